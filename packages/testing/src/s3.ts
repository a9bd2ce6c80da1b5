import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { testEnvironment } from './environment.js';

/** The test S3 as the storage driver's connection settings (path-style: Swift has no virtual hosts). */
export function s3Connection() {
  const { endpoint, region, accessKeyId, secretAccessKey } = testEnvironment().s3;
  return { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle: true };
}

/** The test S3 as the service's S3_* variables (add S3_BUCKET / S3_QUARANTINE_BUCKET). */
export function s3ServiceEnv(): Record<string, string> {
  const { endpoint, region, accessKeyId, secretAccessKey } = testEnvironment().s3;
  return { S3_ENDPOINT: endpoint, S3_REGION: region, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey, S3_FORCE_PATH_STYLE: 'true' };
}

/** A client of the test S3 for setting up and inspecting buckets from a test. */
export function s3TestClient(): S3Client {
  const { endpoint, region, accessKeyId, secretAccessKey } = testEnvironment().s3;
  // Checksums only WHEN_REQUIRED, as the service's own client: Swift answers 501 to aws-chunked bodies.
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Fails with how to start it when the test S3 does not answer (instead of a suite of timeouts). */
export async function requireS3(): Promise<void> {
  const { endpoint } = testEnvironment().s3;
  const health = await fetch(`${endpoint}/healthcheck`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
  if (!health?.ok) throw new Error(`No S3 server at ${endpoint} (AIRLOCK_TEST_S3_ENDPOINT): run \`source scripts/lib.sh; source scripts/s3.sh; ensure_s3\``);
}

/** A uniquely named bucket name, so parallel test files never see each other's objects. */
export function scratchBucketName(stem: string): string {
  return `${stem}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function createBucket(client: S3Client, Bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket }));
}

/** Every key in `Bucket` under `Prefix` (relative to it), sorted, across pages. */
export async function listKeys(client: S3Client, Bucket: string, Prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) keys.push(object.Key!.slice(Prefix.length));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys.sort();
}

export async function openMultipartUploads(client: S3Client, Bucket: string): Promise<{ Key: string; UploadId: string }[]> {
  const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket }));
  return Uploads.map((upload) => ({ Key: upload.Key!, UploadId: upload.UploadId! }));
}

/** Aborts open multipart uploads, deletes every object, then the bucket. */
export async function removeBucket(client: S3Client, Bucket: string): Promise<void> {
  for (const upload of await openMultipartUploads(client, Bucket)) await client.send(new AbortMultipartUploadCommand({ Bucket, ...upload }));
  // One by one: Swift's DeleteObjects wants Content-MD5, which the SDK no longer sends.
  for (const Key of await listKeys(client, Bucket)) await client.send(new DeleteObjectCommand({ Bucket, Key }));
  await client.send(new DeleteBucketCommand({ Bucket }));
}
