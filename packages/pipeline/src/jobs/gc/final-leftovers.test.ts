import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig, type Config } from '@airlock/config';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { createStorage, finalKey, type StorageDriver } from '@airlock/storage';
import { createS3Driver } from '@airlock/storage/s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass, type GcReport } from './gc-context.js';
import { sweepFinalLeftovers } from './final-leftovers.js';

/** Issue #14 item 6: what a promotion killed half-way leaves in final storage is swept, on the real backends. */
const HOUR = 3600_000;
const GRACE_SECONDS = 900;
const id = () => randomBytes(16).toString('hex');

let root: string;
let db: Database;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-final-leftovers-'));
  const url = `file:${path.join(root, 'airlock.db')}`;
  await migrate(url);
  db = createDatabase(url);
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function sweep(config: Config, storage: StorageDriver, now = new Date()): Promise<GcReport> {
  const locks = { withLock: async () => 'busy' } as never;
  const pass = startPass(
    { config, db, storage, producer: { enqueue: async () => {} }, locks, logger: pino({ level: 'silent' }) },
    now,
    new AbortController().signal,
  );
  await sweepFinalLeftovers(pass);
  return pass.report;
}

/** A file row in `status`: `scanning` is a promotion that may still be running. */
async function fileIn(status: 'scanning' | 'failed'): Promise<string> {
  const uploadId = id();
  const fileId = id();
  const now = new Date();
  await db.uploads.create({
    uploadId,
    fileId,
    ownerId: 'gc-final',
    originalFilename: null,
    declaredType: null,
    expectedSha256: null,
    totalSize: 10,
    chunkSize: 10,
    expiresAt: new Date(now.getTime() + HOUR),
    now,
    reserveBytes: 10,
    defaultQuota: 2 ** 40,
  });
  if (status === 'failed') {
    await db.uploads.abort(uploadId, 'failed', 'terminated', now);
    return fileId;
  }
  await db.uploads.finish(uploadId, 10, now);
  if (status === 'scanning') await db.files.transition(fileId, 'scanning', now);
  return fileId;
}

describe('final-area leftovers on local storage', () => {
  it('removes temp files of interrupted writes once older than the grace period, and nothing else', async () => {
    const dataDir = path.join(root, 'local');
    const config = loadConfig({ DATA_DIR: dataDir, ORPHAN_GRACE_SECONDS: String(GRACE_SECONDS) });
    const storage = await createStorage(config.storage);
    const kept = id();
    await storage.write({ area: 'final', key: finalKey(kept) }, Readable.from([Buffer.from('clean bytes')]));
    const finalDir = config.storage.finalDir;
    // Named as writeFileAtomic names them (atomic-file.writer.ts), left by a killed promotion.
    const temp = (dir: string, fileId: string) => path.join(dir, fileId.slice(0, 2), `.${fileId}.${randomBytes(8).toString('hex')}.airlock-tmp`);
    const old = temp(finalDir, id());
    const young = temp(finalDir, id());
    const oldInQuarantine = path.join(config.storage.quarantineDir, `.${id()}.${randomBytes(8).toString('hex')}.airlock-tmp`);
    const notOurs = path.join(finalDir, 'notes.txt');
    for (const file of [old, young, oldInQuarantine, notOurs]) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'half a copy');
    }
    const longAgo = new Date(Date.now() - 2 * HOUR);
    for (const file of [old, oldInQuarantine, notOurs]) fs.utimesSync(file, longAgo, longAgo);

    const report = await sweep(config, storage);
    expect(report).toMatchObject({ tempLeftovers: 2, errors: 0 });
    expect([old, oldInQuarantine].filter((file) => fs.existsSync(file))).toEqual([]);
    expect([young, notOurs].every((file) => fs.existsSync(file))).toBe(true);
    expect(await storage.stat({ area: 'final', key: finalKey(kept) })).toMatchObject({ size: 11 });
  });
});

// The worker runtime does not depend on the AWS SDK; @airlock/storage does, and this test
// borrows its copy to start the multipart uploads a killed promotion leaves behind.
type Command = new (input: Record<string, unknown>) => object;
interface S3 {
  send(command: object): Promise<{ Uploads?: { Key?: string; UploadId?: string }[]; UploadId?: string }>;
  destroy(): void;
}
const sdk = createRequire(createRequire(import.meta.url).resolve('@airlock/storage'))('@aws-sdk/client-s3') as Record<
  | 'CreateBucketCommand'
  | 'DeleteBucketCommand'
  | 'CreateMultipartUploadCommand'
  | 'UploadPartCommand'
  | 'ListMultipartUploadsCommand'
  | 'AbortMultipartUploadCommand',
  Command
> & { S3Client: new (config: Record<string, unknown>) => S3 };
const endpoint = process.env.AIRLOCK_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:8085';
const S3_ENV = {
  S3_ENDPOINT: endpoint,
  S3_ACCESS_KEY_ID: process.env.AIRLOCK_TEST_S3_ACCESS_KEY ?? 'test:tester',
  S3_SECRET_ACCESS_KEY: process.env.AIRLOCK_TEST_S3_SECRET_KEY ?? 'testing',
  S3_FORCE_PATH_STYLE: 'true',
};

describe('final-area multipart leftovers on S3 (Swift)', () => {
  const bucket = `airlock-final-mp-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  let client: S3;
  beforeAll(async () => {
    const health = await fetch(`${endpoint}/healthcheck`).catch(() => null);
    if (!health?.ok) throw new Error(`No S3 server at ${endpoint}: run \`source scripts/lib.sh; source scripts/s3.sh; ensure_s3\``);
    client = new sdk.S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: S3_ENV.S3_ACCESS_KEY_ID, secretAccessKey: S3_ENV.S3_SECRET_ACCESS_KEY },
    });
    await client.send(new sdk.CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    for (const u of (await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []) {
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
    }
    await client.send(new sdk.DeleteBucketCommand({ Bucket: bucket }));
    client?.destroy();
  });

  const start = async (Key: string) => {
    const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    await client.send(new sdk.UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 7) }));
  };
  const incomplete = async () => ((await client.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).map((u) => u.Key!).sort();

  it('aborts incomplete multipart uploads of files no promotion can still be writing, once older than the grace period', async () => {
    const [promoting, failed, noRow] = [await fileIn('scanning'), await fileIn('failed'), id()];
    const keys = [promoting, failed, noRow].map((fileId) => `files/${finalKey(fileId)}`);
    for (const key of keys) await start(key);
    await start('files/ab/not-a-file-id'); // in the final area but not Airlock's naming: never touched
    await start(`elsewhere/${finalKey(noRow)}`); // outside the final area
    const config = loadConfig({
      DATA_DIR: path.join(root, 's3'),
      STORAGE_BACKEND: 's3',
      S3_BUCKET: bucket,
      ...S3_ENV,
      ORPHAN_GRACE_SECONDS: String(GRACE_SECONDS),
    });
    const storage = createS3Driver({ ...config.storage.s3, bucket, quarantineBucket: bucket, listPageSize: 2 });

    // Now: every one is younger than the grace period.
    expect(await sweep(config, storage)).toMatchObject({ multipartAborted: 0, errors: 0 });
    expect(await incomplete()).toHaveLength(5);
    // An hour later (the pass's clock moved instead of sleeping): the failed file's and the row-less one's go.
    expect(await sweep(config, storage, new Date(Date.now() + HOUR))).toMatchObject({ multipartAborted: 2, errors: 0 });
    expect(await incomplete()).toEqual([keys[0]!, 'files/ab/not-a-file-id', `elsewhere/${finalKey(noRow)}`].sort());
  });
});
