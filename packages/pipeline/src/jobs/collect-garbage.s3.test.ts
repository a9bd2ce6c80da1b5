import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@airlock/config';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { producerConnection } from '@airlock/queue';
import { createS3Driver } from '@airlock/storage/s3';
import { pino } from 'pino';
import { requireS3, s3ServiceEnv, s3TestClient, testRedisUrl } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from './collect-garbage.job.js';
import { uploadLockKey } from '@airlock/queue';
import { createUploadLocks } from './gc/upload-lock.js';

// The worker runtime does not depend on the AWS SDK; @airlock/storage does, and this test
// borrows its copy to lay out in the bucket what @tus/s3-store and strangers leave there.
type Command = new (input: Record<string, unknown>) => object;
interface S3 {
  send(command: object): Promise<{ Uploads?: { Key?: string; UploadId?: string }[]; Contents?: { Key?: string }[]; UploadId?: string }>;
  destroy(): void;
}
const COMMANDS = [
  'CreateBucketCommand',
  'DeleteBucketCommand',
  'PutObjectCommand',
  'DeleteObjectCommand',
  'ListObjectsV2Command',
  'CreateMultipartUploadCommand',
  'UploadPartCommand',
  'ListMultipartUploadsCommand',
  'AbortMultipartUploadCommand',
] as const;
const sdk = createRequire(createRequire(import.meta.url).resolve('@airlock/storage'))('@aws-sdk/client-s3') as Record<(typeof COMMANDS)[number], Command> & {
  S3Client: new (config: Record<string, unknown>) => S3;
};
const S3_ENV = s3ServiceEnv();
const MiB = 1024 * 1024;
const HOUR = 3600_000;

describe('garbage collection on S3 (Swift)', () => {
  const id = () => randomBytes(16).toString('hex');
  const [bucket, quarantineBucket] = ['final', 'quarantine'].map((area) => `airlock-gc-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${area}`);
  const root = mkdtempSync(join(tmpdir(), 'airlock-gc-s3-'));
  let client: S3;
  let redis: ReturnType<typeof producerConnection>;
  let db: Database;

  beforeAll(async () => {
    await requireS3();
    client = s3TestClient() as unknown as typeof client;
    for (const Bucket of [bucket, quarantineBucket]) await client.send(new sdk.CreateBucketCommand({ Bucket: Bucket! }));
    redis = producerConnection(testRedisUrl());
    await once(redis, 'ready');
    const url = `file:${join(root, 'airlock.db')}`;
    await migrate(url);
    db = createDatabase(url);
  });
  afterAll(async () => {
    for (const Bucket of [bucket!, quarantineBucket!]) {
      for (const u of (await client.send(new sdk.ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []) {
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }));
      }
      for (const o of (await client.send(new sdk.ListObjectsV2Command({ Bucket }))).Contents ?? [])
        await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: o.Key }));
      await client.send(new sdk.DeleteBucketCommand({ Bucket }));
    }
    client?.destroy();
    await redis?.quit();
    await db?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const put = (Key: string, Bucket = quarantineBucket!) => client.send(new sdk.PutObjectCommand({ Bucket, Key, Body: `bytes of ${Key}` }));
  /** What @tus/s3-store leaves for an upload in progress: the multipart upload with a part, `.info`, and a short tail in `.part`. */
  async function tusUpload(key: string): Promise<void> {
    const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: quarantineBucket!, Key: key }));
    await client.send(new sdk.UploadPartCommand({ Bucket: quarantineBucket!, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 7) }));
    await Promise.all([put(`${key}.info`), put(`${key}.part`)]);
  }
  async function session(uploadId: string, expiresIn: number): Promise<void> {
    await db.uploads.create({
      uploadId,
      fileId: id(),
      ownerId: 'gc-s3',
      originalFilename: null,
      declaredType: null,
      expectedSha256: null,
      totalSize: 10 * MiB,
      chunkSize: 5 * MiB,
      expiresAt: new Date(Date.now() + expiresIn),
      now: new Date(Date.now() - HOUR),
      reserveBytes: 10 * MiB,
      defaultQuota: 2 ** 40,
    });
  }
  const openUploads = async () =>
    ((await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: quarantineBucket! }))).Uploads ?? []).map((u) => u.Key!).sort();
  const objects = async (Bucket: string) => ((await client.send(new sdk.ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key!).sort();

  it('aborts the multipart uploads of expired and abandoned uploads only, and leaves strangers alone', async () => {
    const [expired, live, writing, finished, stray] = [id(), id(), id(), id(), id()];
    await session(expired, -60_000);
    await tusUpload(expired);
    await session(live, HOUR);
    await tusUpload(live);
    await session(writing, -60_000);
    await tusUpload(writing);
    await session(finished, HOUR);
    await db.uploads.finish(finished, 10 * MiB, new Date()); // assembling: its object is whole, a stray multipart upload is not
    await put(finished);
    await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: quarantineBucket!, Key: finished }));
    await tusUpload(stray); // an upload id with no row at all
    // Someone else's: an object and a multipart upload under keys that are not upload ids.
    await put('backups/notes.txt');
    await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: quarantineBucket!, Key: 'backups/dump.tar' }));
    await put('other-app/data.bin', bucket!); // outside `files/`, the final area
    await put('files/ab/no-row-for-this', bucket!); // inside it, with no row: an orphan once old

    const prefix = `airlock-test-${randomBytes(4).toString('hex')}:`;
    await redis.set(uploadLockKey(writing, prefix), 'a-request', 'PX', 60_000);
    const config = loadConfig({
      DATA_DIR: root,
      STORAGE_BACKEND: 's3',
      S3_BUCKET: bucket,
      S3_QUARANTINE_BUCKET: quarantineBucket,
      ...S3_ENV,
      ORPHAN_GRACE_SECONDS: '900',
    });
    const storage = createS3Driver({ ...config.storage.s3, bucket: bucket!, quarantineBucket: quarantineBucket!, listPageSize: 2 });
    const deps = { config, db, storage, producer: { enqueue: async () => {} }, locks: createUploadLocks(redis, { prefix }), logger: pino({ level: 'silent' }) };

    // First pass now: the stray upload is younger than the grace period and stays.
    const first = await collectGarbage(deps, { redis, prefix });
    expect(first).toMatchObject({ expired: 1, busy: 1, errors: 0 });
    expect(await openUploads()).toEqual(['backups/dump.tar', live, stray, writing].sort());
    // A pass half an hour later (its clock moved instead of sleeping): the stray one is abandoned.
    await collectGarbage(deps, { redis, prefix: `${prefix}later:`, now: new Date(Date.now() + HOUR / 2) });
    expect(await openUploads()).toEqual(['backups/dump.tar', live, writing].sort());
    expect(await objects(quarantineBucket!)).toEqual(['backups/notes.txt', finished, ...[live, writing].flatMap((k) => [`${k}.info`, `${k}.part`])].sort());
    expect(await objects(bucket!)).toEqual(['other-app/data.bin']);
    expect((await db.uploads.find(expired))?.file).toMatchObject({ status: 'failed', failureReason: 'expired' });
    expect((await db.uploads.find(expired))?.file.purgedAt).not.toBeNull();
  });
});
