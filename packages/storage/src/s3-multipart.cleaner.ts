import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageError, type Area, type IncompleteUpload } from './driver.js';
import { assertValidKey, assertValidPrefix } from './object-key.validator.js';
import { toStorageError } from './s3-error.mapper.js';

/** Where an area lives in S3, as the S3 driver lays it out (see s3.driver.ts). */
export interface AreaLocation {
  bucket: string;
  /** Prepended to every key of the area (`files/` for final, '' for quarantine). */
  keyPrefix: string;
  /** Keys under this prefix belong to another area sharing the bucket: never listed. */
  foreignPrefix?: string;
}

export interface MultipartCleanerConfig {
  client: S3Client;
  locate(area: Area): AreaLocation;
  /** ListMultipartUploads page size (1–1000); tests set it small to exercise pagination. */
  pageSize?: number;
}

/**
 * The S3 side of MultipartCleaningDriver: multipart uploads that were started and neither
 * completed nor aborted keep their parts (and their cost) forever unless someone aborts them.
 * Listing is per area and prefix; aborting is one upload at a time, by key and upload id,
 * so a caller can only ever end uploads it listed and chose, never "everything older than X"
 * (which is what @tus/s3-store's deleteExpired() does to the whole bucket).
 */
export function createMultipartCleaner({ client, locate: locateArea, pageSize }: MultipartCleanerConfig) {
  const locate = (area: Area): AreaLocation => {
    if (area !== 'quarantine' && area !== 'final') throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(area)}`);
    return locateArea(area);
  };
  return {
    async *listIncompleteUploads(area: Area, prefix = ''): AsyncIterable<IncompleteUpload> {
      assertValidPrefix(prefix);
      const { bucket, keyPrefix, foreignPrefix } = locate(area);
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      for (;;) {
        const page = await client
          .send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: keyPrefix + prefix, KeyMarker, UploadIdMarker, MaxUploads: pageSize }))
          .catch((error: unknown) => {
            throw toStorageError(error, `${area}/${prefix}* (multipart uploads)`);
          });
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId) continue;
          if (foreignPrefix && upload.Key.startsWith(foreignPrefix)) continue;
          yield { key: upload.Key.slice(keyPrefix.length), uploadId: upload.UploadId, initiated: upload.Initiated ?? new Date(0) };
        }
        if (!page.IsTruncated) return;
        // Swift's s3api says "truncated" with empty Next*Marker: the last upload listed is
        // the marker then (as S3 allows); with neither, the next page would be this one again.
        const last = page.Uploads?.at(-1);
        KeyMarker = page.NextKeyMarker || last?.Key;
        UploadIdMarker = page.NextUploadIdMarker || last?.UploadId;
        if (!KeyMarker) return;
      }
    },

    async abortIncompleteUpload(area: Area, key: string, uploadId: string): Promise<void> {
      assertValidKey(key);
      const { bucket, keyPrefix, foreignPrefix } = locate(area);
      if (foreignPrefix && (keyPrefix + key).startsWith(foreignPrefix)) {
        throw new StorageError('E_INVALID_KEY', `${area} key ${JSON.stringify(key)} belongs to another area`);
      }
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: keyPrefix + key, UploadId: uploadId })).catch((error: unknown) => {
        // Completed or aborted meanwhile (by tus, or a concurrent collector): nothing left to do.
        if (isNoSuchUpload(error)) return;
        throw toStorageError(error, `${area}/${key} (multipart upload ${uploadId})`);
      });
    },
  };
}

function isNoSuchUpload(error: unknown): boolean {
  const e = (error ?? {}) as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchUpload' || e.Code === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404;
}
