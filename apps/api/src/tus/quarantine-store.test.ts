import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Readable } from 'node:stream';
import { loadConfig, type Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import { createS3Client } from '@airlock/storage/s3';
import { S3 } from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { Upload, type DataStore } from '@tus/utils';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { s3Connection, s3ServiceEnv, testRedisUrl } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuarantineFileStore } from './quarantine-file.store.js';
import { QuarantineS3Store } from './quarantine-s3.store.js';
import { createQuarantineStore, S3_METADATA_PREFIX } from './quarantine-store.js';
import { UploadRowConfigstore } from './upload-row.configstore.js';

// Integration test against the Swift S3 of scripts/s3.sh and the real Redis (a spare DB).
const REDIS_URL = testRedisUrl(14);
const MiB = 1024 * 1024;
const logger = pino({ level: 'silent' });

const s3Env = (bucket: string) => ({
  DATA_DIR: os.tmpdir(),
  STORAGE_BACKEND: 's3',
  ...s3ServiceEnv(),
  S3_BUCKET: 'unused-final',
  S3_QUARANTINE_BUCKET: bucket,
  S3_PART_SIZE: String(5 * MiB),
});

/** Not read by these tests: the stores are only built. */
const NO_DB = { uploads: {} } as Pick<Database, 'uploads'>;

describe('createQuarantineStore', () => {
  it('is @tus/file-store in DATA_DIR/quarantine for the local backend', async () => {
    const config = loadConfig({ DATA_DIR: os.tmpdir() });
    const store = await createQuarantineStore(config, { redis: new Redis({ lazyConnect: true }), logger, db: NO_DB });
    expect(store).toBeInstanceOf(QuarantineFileStore);
    expect((store as FileStore).directory).toBe(config.storage.quarantineDir);
    // Its record of each upload is the database row, not a `.json` sidecar.
    expect((store as FileStore).configstore).toBeInstanceOf(UploadRowConfigstore);
  });

  it('talks to S3 exactly as createS3Client does (WHEN_REQUIRED checksums, path style, endpoint, credentials)', async () => {
    const config = loadConfig(s3Env('some-bucket'));
    const store = await createQuarantineStore(config, { redis: new Redis({ lazyConnect: true }), logger, db: NO_DB });
    expect(store).toBeInstanceOf(QuarantineS3Store);
    const ours = (store as unknown as { client: S3 }).client.config;
    const reference = createS3Client({ ...config.storage.s3 }).config;
    const resolve = async (c: typeof ours) => ({
      region: await c.region(),
      endpoint: await c.endpoint?.(),
      forcePathStyle: c.forcePathStyle,
      requestChecksumCalculation: await c.requestChecksumCalculation(),
      responseChecksumValidation: await c.responseChecksumValidation(),
      credentials: await c.credentials(),
    });
    const resolved = await resolve(ours);
    expect(resolved).toEqual(await resolve(reference));
    expect(resolved).toMatchObject({ requestChecksumCalculation: 'WHEN_REQUIRED', forcePathStyle: true });
  });
});

describe('QuarantineS3Store on Swift with a Redis metadata cache', () => {
  const bucket = `qstore-${randomBytes(5).toString('hex')}`;
  let config: Config;
  let s3: S3;
  const redises: Redis[] = [];
  /** One store per simulated API process: its own S3 client and Redis connection, one shared cache. */
  const processStore = async () => {
    const redis = new Redis(REDIS_URL);
    redises.push(redis);
    return (await createQuarantineStore(config, { redis, logger, db: NO_DB })) as QuarantineS3Store;
  };
  let a: DataStore;
  let b: DataStore;

  const keys = async () => ((await s3.listObjectsV2({ Bucket: bucket })).Contents ?? []).map((o) => o.Key!).sort();
  const openMultiparts = async () => ((await s3.listMultipartUploads({ Bucket: bucket })).Uploads ?? []).map((u) => u.Key!);
  const object = async (key: string) => Buffer.from(await (await s3.getObject({ Bucket: bucket, Key: key })).Body!.transformToByteArray());
  const created = async (store: DataStore, size?: number) => {
    const id = randomBytes(16).toString('hex');
    await store.create(new Upload({ id, offset: 0, ...(size === undefined ? {} : { size }) }));
    return id;
  };

  beforeAll(async () => {
    config = loadConfig(s3Env(bucket));
    s3 = new S3({
      endpoint: s3Connection().endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: config.storage.s3.accessKeyId!, secretAccessKey: config.storage.s3.secretAccessKey! },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.createBucket({ Bucket: bucket });
    a = await processStore();
    b = await processStore();
  });
  afterAll(async () => {
    for (const upload of (await s3.listMultipartUploads({ Bucket: bucket })).Uploads ?? []) {
      await s3.abortMultipartUpload({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId });
    }
    for (const key of await keys()) await s3.deleteObject({ Bucket: bucket, Key: key });
    await s3.deleteBucket({ Bucket: bucket });
    for (const redis of redises) redis.disconnect();
  });

  it('completes an upload at key <id>, written through two processes, with the 5 MiB-tail in <id>.part meanwhile', async () => {
    const bytes = randomBytes(12 * MiB + 11);
    const id = await created(a, bytes.length);
    expect(await a.write(Readable.from([bytes.subarray(0, MiB)]), id, 0)).toBe(MiB);
    expect(await keys()).toEqual([`${id}.info`, `${id}.part`]);
    expect((await b.getUpload(id)).offset).toBe(MiB);
    expect(await b.write(Readable.from([bytes.subarray(MiB, 7 * MiB)]), id, MiB)).toBe(7 * MiB);
    expect(await a.write(Readable.from([bytes.subarray(7 * MiB)]), id, 7 * MiB)).toBe(bytes.length);
    expect((await object(id)).equals(bytes)).toBe(true);
    expect(await keys()).toEqual([id, `${id}.info`]);
    expect(await openMultiparts()).toEqual([]);
    expect((await b.getUpload(id)).offset).toBe(bytes.length);
  });

  it('keeps the metadata in Redis with a TTL, and drops it once the upload is complete', async () => {
    const redis = redises[0]!;
    const id = await created(a, 6 * MiB);
    await a.getUpload(id);
    const ttl = await redis.ttl(S3_METADATA_PREFIX + id);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(config.uploadExpirySeconds);
    await a.write(Readable.from([randomBytes(6 * MiB)]), id, 0);
    expect(await redis.exists(S3_METADATA_PREFIX + id)).toBe(0);
  });

  it('completes a deferred-length upload whose length another process declared', async () => {
    const bytes = randomBytes(6 * MiB + 5);
    const id = await created(a);
    expect(await a.write(Readable.from([bytes.subarray(0, MiB)]), id, 0)).toBe(MiB);
    // Process B learns the length; process A, whose cached copy had none, writes the rest.
    await b.declareUploadLength(id, bytes.length);
    expect((await a.getUpload(id)).size).toBe(bytes.length);
    expect(await a.write(Readable.from([bytes.subarray(MiB)]), id, MiB)).toBe(bytes.length);
    expect((await object(id)).equals(bytes)).toBe(true);
    expect(await openMultiparts()).toEqual([]);
  });

  it('removes an open upload entirely: multipart aborted, <id>.info and <id>.part deleted', async () => {
    const id = await created(a, 20 * MiB);
    await a.write(Readable.from([randomBytes(6 * MiB)]), id, 0);
    await a.write(Readable.from([randomBytes(MiB)]), id, 6 * MiB);
    expect(await keys()).toContain(`${id}.part`);
    await b.remove(id);
    expect((await keys()).filter((key) => key.startsWith(id))).toEqual([]);
    expect(await openMultiparts()).not.toContain(id);
    await expect(a.getUpload(id)).rejects.toMatchObject({ status_code: 404 });
    await expect(a.remove(id)).rejects.toMatchObject({ status_code: 404 });
  });

  it('removes a completed upload too, bytes included', async () => {
    const id = await created(a, 3);
    await a.write(Readable.from([Buffer.from('abc')]), id, 0);
    await a.remove(id);
    expect((await keys()).filter((key) => key.startsWith(id))).toEqual([]);
  });

  it('completes an empty upload when it is created, and accepts an empty creation-with-upload write', async () => {
    const id = await created(a, 0);
    expect((await object(id)).length).toBe(0);
    expect(await openMultiparts()).not.toContain(id);
    expect((await b.getUpload(id)).offset).toBe(0);
    expect(await b.write(Readable.from([]), id, 0)).toBe(0);
  });

  it('after a write that fails half-way, claims no byte it does not hold: resuming from its offset gives the same bytes', async () => {
    const bytes = randomBytes(14 * MiB);
    const id = await created(a, bytes.length);
    await a.write(Readable.from([bytes.subarray(0, 2 * MiB)]), id, 0);
    const failing = Readable.from(
      (async function* () {
        yield bytes.subarray(2 * MiB, 9 * MiB);
        throw new Error('connection to S3 lost');
      })(),
    );
    await expect(a.write(failing, id, 2 * MiB)).rejects.toThrow('connection to S3 lost');
    // @tus/s3-store drops the chunk in flight, the 2 MiB tail included (it was merged into it):
    // the offset may go back, never forward of what is stored.
    const { offset } = await b.getUpload(id);
    expect(offset).toBeLessThanOrEqual(2 * MiB);
    expect(await b.write(Readable.from([bytes.subarray(offset)]), id, offset)).toBe(bytes.length);
    expect((await object(id)).equals(bytes)).toBe(true);
  });
});
