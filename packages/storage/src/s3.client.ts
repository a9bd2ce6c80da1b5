import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** What the S3 driver and any other S3 user in Airlock (e.g. @tus/s3-store) need to connect. */
export interface S3ConnectionConfig {
  /** Omit for AWS; set for S3-compatible servers (Swift s3api, MinIO, …). */
  endpoint?: string;
  region: string;
  /** Omit to use the SDK's default credential chain (environment, instance role, …). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; most non-AWS servers need it. */
  forcePathStyle: boolean;
}

/**
 * The one way Airlock builds an S3 client, so the storage driver and @tus/s3-store talk to
 * the server the same way. Checksums only WHEN_REQUIRED: with the SDK's default
 * (WHEN_SUPPORTED) uploads are sent with aws-chunked framing and CRC32 trailers, which Swift's
 * s3api refuses (501) and s3rver stores as data; responses would be validated against
 * checksums those servers do not send.
 */
export function createS3Client(config: S3ConnectionConfig): S3Client {
  return new S3Client(s3ClientConfig(config));
}

/** The SDK settings createS3Client uses, for a client built elsewhere (@tus/s3-store builds its own). */
export function s3ClientConfig(config: S3ConnectionConfig): S3ClientConfig {
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = config;
  return {
    region,
    forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
}
