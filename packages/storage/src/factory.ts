import type { Config } from '@airlock/config';
import type { StorageDriver } from './driver.js';
import { createLocalDriver } from './local.driver.js';
import { createS3Driver } from './s3.driver.js';

/** The driver STORAGE_BACKEND names; nothing else in the service knows which one it is. */
export function createStorage(config: Config): StorageDriver {
  const { backend, quarantineDir, finalDir, s3 } = config.storage;
  if (backend === 'local') return createLocalDriver({ quarantineDir, finalDir });
  return createS3Driver({ ...s3, bucket: s3.bucket!, quarantineBucket: s3.quarantineBucket ?? s3.bucket! });
}
