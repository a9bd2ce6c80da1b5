import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { useFixture } from '../fixture.js';
import { createBucket, listKeys, openMultipartUploads, removeBucket, s3ServiceEnv, s3TestClient } from '../s3.js';

export type Backend = 'local' | 's3';
export const BACKENDS: Backend[] = ['local', 's3'];

/** A view of what a stack's storage holds, the same for both backends. */
export interface StorageProbe {
  backend: Backend;
  /** Stack env for this backend (S3: fresh buckets of this test file). */
  env: Record<string, string>;
  /** Keys in the quarantine area (upload ids and the tus sidecars), sorted. */
  quarantineKeys(): Promise<string[]>;
  /** Keys in the final area (relative to `files/` on S3), sorted. */
  finalKeys(): Promise<string[]>;
  /** Keys of multipart uploads still open in the quarantine bucket (always [] locally). */
  openMultipartUploads(): Promise<string[]>;
  /** Removes what the probe created (S3: everything in its buckets, then the buckets). */
  remove(): Promise<void>;
}

/**
 * Storage for one test file. Local: the stack's DATA_DIR (known only once the stack runs, so
 * `dataDir` is a getter). S3: two fresh, uniquely named buckets (final and quarantine), so
 * parallel test files never see each other's objects.
 */
export async function storageProbe(backend: Backend, dataDir: () => string): Promise<StorageProbe> {
  if (backend === 'local') {
    return {
      backend,
      env: { STORAGE_BACKEND: 'local' },
      quarantineKeys: async () => listFiles(path.join(dataDir(), 'quarantine')),
      finalKeys: async () => listFiles(path.join(dataDir(), 'files')),
      openMultipartUploads: async () => [],
      remove: async () => {},
    };
  }
  const client = s3TestClient();
  const stem = `e2e-${randomBytes(5).toString('hex')}`;
  const bucket = `${stem}-final`;
  const quarantineBucket = `${stem}-quarantine`;
  for (const Bucket of [bucket, quarantineBucket]) await createBucket(client, Bucket);
  return {
    backend,
    env: { STORAGE_BACKEND: 's3', ...s3ServiceEnv(), S3_BUCKET: bucket, S3_QUARANTINE_BUCKET: quarantineBucket },
    quarantineKeys: () => listKeys(client, quarantineBucket),
    finalKeys: () => listKeys(client, bucket, 'files/'),
    openMultipartUploads: async () => (await openMultipartUploads(client, quarantineBucket)).map((upload) => upload.Key).sort(),
    async remove() {
      for (const Bucket of [bucket, quarantineBucket]) await removeBucket(client, Bucket);
      client.destroy();
    },
  };
}

/** Every file under `dir`, as `/`-separated paths relative to it, sorted; [] when `dir` is missing. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * A storage probe made in beforeAll and removed in afterAll. Call it before useStack, whose
 * `env` function can then add `probe.env`; the probe is removed after the stack stopped.
 */
export function useStorageProbe(backend: Backend, dataDir: () => string): StorageProbe {
  return useFixture(
    'useStorageProbe: the probe',
    () => storageProbe(backend, dataDir),
    (probe) => probe.remove(),
  );
}
