import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { removeBucket, requireS3, s3Connection } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client, createS3Driver, type S3DriverConfig } from './s3.driver.js';
import { bodyOf, collect, describeStorageDriver, patternedBody, sha256 } from './testing/index.js';

const connection = s3Connection();
const MiB = 1024 * 1024;

let client: S3Client;
beforeAll(async () => {
  await requireS3();
  client = createS3Client(connection);
});
afterAll(() => client?.destroy());

/** Fresh, uniquely named buckets per driver, so tests never see each other's objects. */
async function makeBuckets(): Promise<{ bucket: string; quarantineBucket: string; remove(): Promise<void> }> {
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const bucket = `airlock-test-${id}-final`;
  const quarantineBucket = `airlock-test-${id}-quarantine`;
  for (const Bucket of [bucket, quarantineBucket]) await client.send(new CreateBucketCommand({ Bucket }));
  return { bucket, quarantineBucket, remove: () => Promise.all([removeBucket(client, bucket), removeBucket(client, quarantineBucket)]).then(() => {}) };
}

async function openUploads(...buckets: string[]): Promise<string[]> {
  const open: string[] = [];
  for (const Bucket of buckets) {
    const { Uploads } = await client.send(new ListMultipartUploadsCommand({ Bucket }));
    for (const u of Uploads ?? []) open.push(`${Bucket}/${u.Key} (${u.UploadId})`);
  }
  return open;
}

type Overrides = Partial<Omit<S3DriverConfig, 'bucket' | 'quarantineBucket'>>;
async function makeDriver(overrides: Overrides = {}, sameBucket = false) {
  const buckets = await makeBuckets();
  const quarantineBucket = sameBucket ? buckets.bucket : buckets.quarantineBucket;
  const driver = createS3Driver({
    ...connection,
    client,
    bucket: buckets.bucket,
    quarantineBucket,
    // Small thresholds so 12 MiB bodies take the multipart path; a tiny page size so every
    // listing needs several ListObjectsV2 pages.
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
    listPageSize: 2,
    ...overrides,
  });
  return { driver, buckets, cleanup: buckets.remove, leftovers: () => openUploads(buckets.bucket, buckets.quarantineBucket) };
}

describeStorageDriver('s3 (Swift s3api)', () => makeDriver(), { largeBodyBytes: 12 * MiB });

describe('S3 driver specifics', () => {
  const q = (key: string) => ({ area: 'quarantine' as const, key });
  const f = (key: string) => ({ area: 'final' as const, key });

  it('puts small bodies in one request and streams large ones as multipart', async () => {
    const { driver, cleanup } = await makeDriver();
    try {
      await driver.write(f('small'), patternedBody(5 * MiB));
      await driver.write(f('large'), patternedBody(12 * MiB, 3));
      // A multipart object's ETag is "<md5 of part md5s>-<part count>".
      expect((await driver.stat(f('small')))?.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await driver.stat(f('large')))?.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
      expect(await sha256(await driver.read(f('large')))).toBe(await sha256(patternedBody(12 * MiB, 3)));
      // What tus leaves in quarantine is always a multipart object: CopyObject must take it.
      await driver.copy(f('large'), q('large-copy'));
      expect(await sha256(await driver.read(q('large-copy')))).toBe(await sha256(patternedBody(12 * MiB, 3)));
    } finally {
      await cleanup();
    }
  });

  it('stores the content type and keeps it across a copy, to the final prefix', async () => {
    const { driver, buckets, cleanup } = await makeDriver();
    try {
      await driver.write(q('typed'), bodyOf('%PDF-1.7'), { contentType: 'application/pdf' });
      await driver.copy(q('typed'), f('ty/typed'));
      const head = await client.send(new HeadObjectCommand({ Bucket: buckets.bucket, Key: 'files/ty/typed' }));
      expect(head.ContentType).toBe('application/pdf');
    } finally {
      await cleanup();
    }
  });

  it('copies objects above the copy threshold with UploadPartCopy', async () => {
    const { driver, cleanup } = await makeDriver({ copyMultipartThreshold: 5 * MiB });
    try {
      await driver.write(q('big'), patternedBody(12 * MiB, 9));
      await driver.copy(q('big'), f('bi/big'));
      expect((await driver.stat(f('bi/big')))?.etag).toMatch(/-3"$/);
      expect(await sha256(await driver.read(f('bi/big')))).toBe(await sha256(patternedBody(12 * MiB, 9)));
      await expect(driver.copy(q('gone'), f('bi/gone'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    } finally {
      await cleanup();
    }
  });

  it('keeps the areas apart when both live in one bucket', async () => {
    const { driver, cleanup } = await makeDriver({}, true);
    try {
      await driver.write(f('x'), bodyOf('final'));
      await driver.write(q('upload-1'), bodyOf('quarantined'));
      await expect(driver.stat(q('files/x'))).rejects.toMatchObject({ code: 'E_INVALID_KEY' });
      expect((await collect(driver.list('quarantine', ''))).map((o) => o.key)).toEqual(['upload-1']);
      expect((await collect(driver.list('final', ''))).map((o) => o.key)).toEqual(['x']);
    } finally {
      await cleanup();
    }
  });

  it('reports a missing bucket as E_STORAGE, not as a missing object', async () => {
    const driver = createS3Driver({
      ...connection,
      client,
      bucket: 'airlock-no-such-bucket',
      quarantineBucket: 'airlock-no-such-bucket',
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    });
    await expect(driver.read(f('x'))).rejects.toMatchObject({ code: 'E_STORAGE' });
    // Readiness: HeadBucket, read-only.
    await expect(driver.checkAccess('quarantine')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('checkAccess refuses a wrong secret', async () => {
    const { buckets, cleanup } = await makeDriver();
    try {
      const wrong = createS3Driver({
        ...connection,
        secretAccessKey: 'not-the-secret',
        bucket: buckets.bucket,
        quarantineBucket: buckets.quarantineBucket,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
      });
      await expect(wrong.checkAccess('final')).rejects.toMatchObject({ code: 'E_STORAGE' });
    } finally {
      await cleanup();
    }
  });

  describe('presigned GET', () => {
    let made: Awaited<ReturnType<typeof makeDriver>>;
    // Whatever the caller built (the API's sanitiser), sent verbatim and signed.
    const disposition = `attachment; filename="R_sum_ _final_v2.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22v2.pdf`;
    const options = { expiresInSeconds: 300, contentDisposition: disposition, contentType: 'application/pdf' };
    beforeAll(async () => {
      made = await makeDriver();
      await made.driver.write(f('pr/doc.pdf'), bodyOf('%PDF-1.7 presigned'));
    });
    afterAll(() => made.cleanup());

    it('serves the bytes with the signed type and an attachment disposition', async () => {
      const response = await fetch(await made.driver.presignGet(f('pr/doc.pdf'), options));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      expect(response.headers.get('content-disposition')).toBe(disposition);
      expect(await response.text()).toBe('%PDF-1.7 presigned');
    });

    it('is refused (403) when tampered with: another type, another key, another signature', async () => {
      const url = new URL(await made.driver.presignGet(f('pr/doc.pdf'), options));
      const asHtml = new URL(url);
      asHtml.searchParams.set('response-content-type', 'text/html');
      const otherKey = new URL(url);
      otherKey.pathname = otherKey.pathname.replace('doc.pdf', 'other.pdf');
      const badSignature = new URL(url);
      badSignature.searchParams.set('X-Amz-Signature', '0'.repeat(64));
      for (const tampered of [asHtml, otherKey, badSignature]) {
        const response = await fetch(tampered);
        expect(response.status, tampered.toString()).toBe(403);
        expect(await response.text()).toMatch(/SignatureDoesNotMatch|AccessDenied/);
      }
    });

    it('is refused once expired', async () => {
      // Sign as if an hour ago, valid for a minute: expired now, without sleeping.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3600_000 });
      let url: string;
      try {
        url = await made.driver.presignGet(f('pr/doc.pdf'), { ...options, expiresInSeconds: 60 });
      } finally {
        vi.useRealTimers();
      }
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/expired/i);
    });

    it('refuses lifetimes S3 cannot sign', async () => {
      await expect(made.driver.presignGet(f('pr/doc.pdf'), { ...options, expiresInSeconds: 8 * 24 * 3600 })).rejects.toThrow();
    });
  });
});
