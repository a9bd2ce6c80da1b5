import { CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { removeBucket, requireS3, s3Connection } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportsMultipartCleaning } from './driver.js';
import { createLocalDriver } from './local.driver.js';
import { createS3Client, createS3Driver } from './s3.driver.js';
import { collect } from './testing/index.js';

const connection = s3Connection();
const MiB = 1024 * 1024;

let client: S3Client;
const buckets: string[] = [];
beforeAll(async () => {
  await requireS3();
  client = createS3Client(connection);
});
afterAll(async () => {
  for (const Bucket of buckets) await removeBucket(client, Bucket);
  client?.destroy();
});

async function bucket(): Promise<string> {
  const name = `airlock-mpu-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  buckets.push(name);
  return name;
}

/** Starts a multipart upload with one part, as @tus/s3-store does, and leaves it open. */
async function startUpload(Bucket: string, Key: string): Promise<string> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }));
  return UploadId!;
}

async function openKeys(Bucket: string): Promise<string[]> {
  const { Uploads } = await client.send(new ListMultipartUploadsCommand({ Bucket }));
  return (Uploads ?? []).map((u) => u.Key!).sort();
}

describe('S3 driver: incomplete multipart uploads', () => {
  it('lists them per area and prefix, page by page, and aborts exactly the one named', async () => {
    const [final, quarantine] = [await bucket(), await bucket()];
    const driver = createS3Driver({
      ...connection,
      client,
      bucket: final,
      quarantineBucket: quarantine,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      listPageSize: 1,
    });
    expect(supportsMultipartCleaning(driver)).toBe(true);
    const a = await startUpload(quarantine, 'aaaa');
    const a2 = await startUpload(quarantine, 'aaaa');
    await startUpload(quarantine, 'bbbb');
    await startUpload(final, 'files/cc/cccc');

    const listed = await collect(driver.listIncompleteUploads('quarantine'));
    expect(listed.map((u) => u.key).sort()).toEqual(['aaaa', 'aaaa', 'bbbb']);
    expect(listed.every((u) => u.initiated instanceof Date && u.initiated.getTime() > Date.now() - 3600_000)).toBe(true);
    expect((await collect(driver.listIncompleteUploads('quarantine', 'aa'))).map((u) => u.uploadId).sort()).toEqual([a, a2].sort());
    expect((await collect(driver.listIncompleteUploads('final'))).map((u) => u.key)).toEqual(['cc/cccc']);

    await driver.abortIncompleteUpload('quarantine', 'aaaa', a);
    expect((await collect(driver.listIncompleteUploads('quarantine', 'aaaa'))).map((u) => u.uploadId)).toEqual([a2]);
    // Idempotent: already aborted is not an error.
    await expect(driver.abortIncompleteUpload('quarantine', 'aaaa', a)).resolves.toBeUndefined();
    expect(await openKeys(quarantine)).toEqual(['aaaa', 'bbbb']);
    expect(await openKeys(final)).toEqual(['files/cc/cccc']);
  });

  it('keeps the areas apart when both live in one bucket', async () => {
    const shared = await bucket();
    const driver = createS3Driver({ ...connection, client, bucket: shared, quarantineBucket: shared, multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    await startUpload(shared, 'upload-1');
    const finalUpload = await startUpload(shared, 'files/x/y');
    expect((await collect(driver.listIncompleteUploads('quarantine'))).map((u) => u.key)).toEqual(['upload-1']);
    expect((await collect(driver.listIncompleteUploads('final'))).map((u) => u.key)).toEqual(['x/y']);
    // A quarantine key that would reach into the final area is refused, not aborted.
    await expect(driver.abortIncompleteUpload('quarantine', 'files/x/y', finalUpload)).rejects.toMatchObject({ code: 'E_INVALID_KEY' });
    await expect(driver.abortIncompleteUpload('quarantine', '../x', finalUpload)).rejects.toMatchObject({ code: 'E_INVALID_KEY' });
    expect(await openKeys(shared)).toEqual(['files/x/y', 'upload-1']);
  });

  it('is not offered by the local driver, which has no multipart uploads', () => {
    expect(supportsMultipartCleaning(createLocalDriver({ quarantineDir: '/tmp/q', finalDir: '/tmp/f' }))).toBe(false);
  });
});
