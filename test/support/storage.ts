import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

export type Backend = 'local' | 's3';
export const BACKENDS: Backend[] = ['local', 's3'];

/** The Swift S3 that scripts/s3.sh starts (tempauth user test:tester, secret testing). */
export const S3_ENDPOINT = process.env.AIRLOCK_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:8085';
const S3_ACCESS_KEY = process.env.AIRLOCK_TEST_S3_ACCESS_KEY ?? 'test:tester';
const S3_SECRET_KEY = process.env.AIRLOCK_TEST_S3_SECRET_KEY ?? 'testing';

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

export function s3TestClient(): S3Client {
  // Checksums only WHEN_REQUIRED, as the service's own client: Swift answers 501 to aws-chunked bodies.
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
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
  for (const Bucket of [bucket, quarantineBucket]) await client.send(new CreateBucketCommand({ Bucket }));
  const keysOf = async (Bucket: string, Prefix = '') => {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
      for (const object of page.Contents ?? []) keys.push(object.Key!.slice(Prefix.length));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  };
  const multipartsOf = async (Bucket: string) => {
    const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket }));
    return Uploads.map((upload) => ({ Key: upload.Key!, UploadId: upload.UploadId! }));
  };
  return {
    backend,
    env: {
      STORAGE_BACKEND: 's3',
      S3_ENDPOINT,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_QUARANTINE_BUCKET: quarantineBucket,
      S3_ACCESS_KEY_ID: S3_ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: S3_SECRET_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    },
    quarantineKeys: () => keysOf(quarantineBucket),
    finalKeys: () => keysOf(bucket, 'files/'),
    openMultipartUploads: async () => (await multipartsOf(quarantineBucket)).map((upload) => upload.Key).sort(),
    async remove() {
      for (const Bucket of [bucket, quarantineBucket]) {
        for (const upload of await multipartsOf(Bucket)) await client.send(new AbortMultipartUploadCommand({ Bucket, ...upload }));
        // One by one: Swift's DeleteObjects wants Content-MD5, which the SDK no longer sends.
        for (const Key of await keysOf(Bucket)) await client.send(new DeleteObjectCommand({ Bucket, Key }));
        await client.send(new DeleteBucketCommand({ Bucket }));
      }
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
