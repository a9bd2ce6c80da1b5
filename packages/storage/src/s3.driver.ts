import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { StorageError, type Area, type ByteRange, type ObjectRef, type ObjectStat, type MultipartCleaningDriver, type PresigningDriver } from './driver.js';
import { assertValidKey, assertValidPrefix, assertValidRange } from './object-key.validator.js';
import { createMultipartCleaner } from './s3-multipart.cleaner.js';
import { copyObject } from './s3-object.copier.js';
import { toStorageError } from './s3-error.mapper.js';
import { writeObject } from './s3-object.writer.js';
import { createS3Client, type S3ConnectionConfig } from './s3.client.js';

export { createS3Client, s3ClientConfig, type S3ConnectionConfig } from './s3.client.js';

export interface S3DriverConfig extends S3ConnectionConfig {
  /** Final area: clean files, under the `files/` prefix. */
  bucket: string;
  /** Quarantine area: the bucket root, where @tus/s3-store writes. May equal `bucket`. */
  quarantineBucket: string;
  /** Streams up to this many bytes go up in one PutObject; longer ones as multipart. */
  multipartThreshold: number;
  /** Multipart part size (at least 5 MiB). At most about two parts are held in memory. */
  partSize: number;
  /** Use this client instead of building one (e.g. to share it with @tus/s3-store). */
  client?: S3Client;
  /** ListObjectsV2 page size (1–1000); tests set it small to exercise pagination. */
  listPageSize?: number;
  /** Copies above this size use UploadPartCopy; CopyObject's limit is 5 GiB. Tests lower it. */
  copyMultipartThreshold?: number;
}

const FINAL_PREFIX = 'files/';
// SigV4 presigned URLs live at most 7 days.
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export function createS3Driver(config: S3DriverConfig): PresigningDriver & MultipartCleaningDriver {
  const client = config.client ?? createS3Client(config);
  const sharedBucket = config.bucket === config.quarantineBucket;

  function locate(ref: ObjectRef): { Bucket: string; Key: string } {
    assertValidKey(ref.key);
    if (ref.area === 'final') return { Bucket: config.bucket, Key: FINAL_PREFIX + ref.key };
    if (ref.area !== 'quarantine') throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(ref.area)}`);
    // With one bucket for both areas, quarantine key `files/x` would be final key `x`.
    if (sharedBucket && (ref.key + '/').startsWith(FINAL_PREFIX)) {
      throw new StorageError('E_INVALID_KEY', `Quarantine key ${JSON.stringify(ref.key)} collides with the final area`);
    }
    return { Bucket: config.quarantineBucket, Key: ref.key };
  }
  const describe = (ref: ObjectRef) => `${ref.area}/${ref.key}`;
  const multipart = createMultipartCleaner({
    client,
    locate: (area) =>
      area === 'final'
        ? { bucket: config.bucket, keyPrefix: FINAL_PREFIX }
        : { bucket: config.quarantineBucket, keyPrefix: '', ...(sharedBucket ? { foreignPrefix: FINAL_PREFIX } : {}) },
    pageSize: config.listPageSize,
  });

  return {
    backend: 's3',
    ...multipart,

    async read(ref: ObjectRef, range?: ByteRange): Promise<Readable> {
      const location = locate(ref);
      assertValidRange(range);
      try {
        const { Body } = await client.send(new GetObjectCommand({ ...location, Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
        // In Node the body is an http.IncomingMessage: a Readable that streams from the socket.
        return Body as Readable;
      } catch (error) {
        throw toStorageError(error, describe(ref));
      }
    },

    async write(ref: ObjectRef, body: Readable, options?: { contentType?: string }): Promise<{ size: number }> {
      let location: { Bucket: string; Key: string };
      try {
        location = locate(ref);
      } catch (error) {
        body.destroy();
        throw error;
      }
      try {
        const size = await writeObject(
          {
            client,
            bucket: location.Bucket,
            key: location.Key,
            contentType: options?.contentType,
            multipartThreshold: config.multipartThreshold,
            partSize: config.partSize,
          },
          body,
        );
        return { size };
      } catch (error) {
        throw new StorageError('E_STORAGE', `Could not write ${describe(ref)}`, { cause: error });
      }
    },

    async delete(ref: ObjectRef): Promise<void> {
      const location = locate(ref);
      // S3 answers 204 whether or not the object existed: idempotent as the contract wants.
      await client.send(new DeleteObjectCommand(location)).catch((error: unknown) => {
        throw toStorageError(error, describe(ref));
      });
    },

    async stat(ref: ObjectRef): Promise<ObjectStat | null> {
      const location = locate(ref);
      try {
        const head = await client.send(new HeadObjectCommand(location));
        return { size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0), etag: head.ETag ?? null };
      } catch (error) {
        const mapped = toStorageError(error, describe(ref));
        if (mapped.code === 'E_NOT_FOUND') return null;
        throw mapped;
      }
    },

    async checkAccess(area: Area): Promise<void> {
      if (area !== 'final' && area !== 'quarantine') throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(area)}`);
      const Bucket = area === 'final' ? config.bucket : config.quarantineBucket;
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        // HEAD has no body: a missing bucket is only a 404 here.
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) throw new StorageError('E_NOT_FOUND', `The ${area} bucket does not exist`, { cause: error });
        throw toStorageError(error, `the ${area} bucket`);
      }
    },

    async *list(area: Area, prefix: string) {
      assertValidPrefix(prefix);
      const bucket = area === 'final' ? config.bucket : config.quarantineBucket;
      const strip = area === 'final' ? FINAL_PREFIX : '';
      let ContinuationToken: string | undefined;
      do {
        const page = await client
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: strip + prefix, ContinuationToken, MaxKeys: config.listPageSize }))
          .catch((error: unknown) => {
            throw toStorageError(error, `${area}/${prefix}*`);
          });
        for (const object of page.Contents ?? []) {
          const key = object.Key!.slice(strip.length);
          // The final area's objects share the bucket root when the buckets are one.
          if (area === 'quarantine' && sharedBucket && key.startsWith(FINAL_PREFIX)) continue;
          yield { key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async copy(from: ObjectRef, to: ObjectRef): Promise<void> {
      const source = locate(from);
      const target = locate(to);
      await copyObject(client, source, target, config.copyMultipartThreshold, config.partSize).catch((error: unknown) => {
        throw toStorageError(error, `${describe(from)} → ${describe(to)}`);
      });
    },

    async presignGet(ref, options): Promise<string> {
      const location = locate(ref);
      const { expiresInSeconds, contentDisposition, contentType } = options;
      if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
        throw new StorageError('E_STORAGE', `expiresInSeconds must be 1–${MAX_PRESIGN_SECONDS}, got ${expiresInSeconds}`);
      }
      // The response headers are part of the signature: a client cannot change the
      // Content-Type or the disposition (e.g. to render HTML inline) without a 403.
      const command = new GetObjectCommand({
        ...location,
        ResponseContentDisposition: contentDisposition,
        ResponseContentType: contentType,
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },
  };
}
