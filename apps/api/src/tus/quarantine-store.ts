import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { MetadataValue } from '@tus/s3-store';
import type { DataStore } from '@tus/utils';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QuarantineFileStore } from './quarantine-file.store.js';
import { RedisKvStore } from './redis-kv.store.js';
import { UploadRowConfigstore } from './upload-row.configstore.js';

/** Redis keys of the shared S3 metadata cache: `<prefix><upload id>`. */
export const S3_METADATA_PREFIX = 'airlock:tus-s3-meta:';

export interface QuarantineStoreDeps {
  /** Holds @tus/s3-store's metadata cache, shared by every API process. */
  redis: Redis;
  logger: Logger;
  /** Holds the file store's record of each upload (upload-row.configstore.ts). */
  db: Pick<Database, 'uploads'>;
}

/**
 * The tus DataStore that writes quarantine bytes where `@airlock/storage` reads them
 * (packages/storage/src/keys.ts): local, `@tus/file-store` in `<DATA_DIR>/quarantine`
 * (`<id>`; its record of the upload is the database row, not a `<id>.json` sidecar; no
 * `mkdir` per upload: quarantine-file.store.ts); S3,
 * `@tus/s3-store` at the root of the quarantine bucket (`<id>` once complete, `<id>.info`,
 * `<id>.part` while a tail shorter than 5 MiB waits). The S3 store, and with it the AWS SDK, is
 * imported only for the S3 backend (issue #15: memory).
 */
export async function createQuarantineStore(config: Config, { redis, logger, db }: QuarantineStoreDeps): Promise<DataStore> {
  const { backend, quarantineDir, s3 } = config.storage;
  if (backend === 'local') return new QuarantineFileStore({ directory: quarantineDir, configstore: new UploadRowConfigstore(db) });
  const [{ QuarantineS3Store }, { s3ClientConfig }] = await Promise.all([import('./quarantine-s3.store.js'), import('@airlock/storage/s3')]);
  return new QuarantineS3Store(
    {
      partSize: s3.partSize,
      // The cache only saves S3 round trips (`.info` is the truth), so an entry may expire
      // while its upload lives on: it is read again on the next miss.
      cache: new RedisKvStore<MetadataValue>({ redis, prefix: S3_METADATA_PREFIX, ttlSeconds: config.uploadExpirySeconds }),
      // No expiration and no tags: @tus/s3-store's deleteExpired() aborts every multipart
      // upload of the bucket older than the period, whoever made it. Airlock's own GC expires
      // uploads from the database; with a period of 0, deleteExpired() does nothing.
      expirationPeriodInMilliseconds: 0,
      useTags: false,
      // Talks to S3 exactly as @airlock/storage's client does (checksums only WHEN_REQUIRED, …).
      s3ClientConfig: { bucket: s3.quarantineBucket ?? s3.bucket!, ...s3ClientConfig(s3) },
    },
    logger,
  );
}
