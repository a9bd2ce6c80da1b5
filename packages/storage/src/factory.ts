import type { StorageDriver } from './driver.js';
import { createLocalDriver } from './local.driver.js';

/**
 * What createStorage needs: the storage settings only (callers pass `config.storage`), so this
 * package does not depend on @airlock/config.
 */
export interface StorageSettings {
  backend: 'local' | 's3';
  quarantineDir: string;
  finalDir: string;
  s3: {
    endpoint: string | undefined;
    region: string;
    bucket: string | undefined;
    quarantineBucket: string | undefined;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
    multipartThreshold: number;
    partSize: number;
  };
}

/**
 * The driver STORAGE_BACKEND names; nothing else in the service knows which one it is. The S3
 * driver, and with it the AWS SDK (about 6 MiB of heap), is imported only when it is the one
 * named: a process on local storage never loads it (issue #15).
 */
export async function createStorage(settings: StorageSettings): Promise<StorageDriver> {
  const { backend, quarantineDir, finalDir, s3 } = settings;
  if (backend === 'local') return createLocalDriver({ quarantineDir, finalDir });
  const { createS3Driver } = await import('./s3.driver.js');
  return createS3Driver({ ...s3, bucket: s3.bucket!, quarantineBucket: s3.quarantineBucket ?? s3.bucket! });
}
