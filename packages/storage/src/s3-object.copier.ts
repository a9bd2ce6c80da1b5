import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MIN_PART_SIZE } from './s3-object.writer.js';

interface Location {
  Bucket: string;
  Key: string;
}

/** CopyObject copies at most 5 GiB in one request; larger objects need UploadPartCopy. */
export const MAX_COPY_OBJECT_SIZE = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;
const PARALLEL_PARTS = 4;

/**
 * Server-side copy, across buckets too; the bytes never pass through this process. The
 * source is HEADed first, so a missing source fails before anything is created. One
 * CopyObject is atomic on the server. A multipart copy could mix two versions of a source
 * replaced meanwhile, so each part is conditional on the source being unmodified since the
 * HEAD, and the source is HEADed again before completing (same ETag and size, or abort).
 * Not `x-amz-copy-source-if-match`: Swift 2.30's s3api answers 412 to it whenever the source
 * was itself a multipart upload, which every @tus/s3-store upload is.
 * Multipart copies are aborted on error. Rejects with the SDK error (the caller maps it).
 */
export async function copyObject(
  client: S3Client,
  source: Location,
  target: Location,
  multipartThreshold = MAX_COPY_OBJECT_SIZE,
  partSize = MIN_PART_SIZE,
): Promise<void> {
  const head = await client.send(new HeadObjectCommand(source));
  // S3 refuses to copy an object onto itself without changing it; the result would be the same bytes.
  if (source.Bucket === target.Bucket && source.Key === target.Key) return;
  const size = head.ContentLength ?? 0;
  if (size <= Math.min(multipartThreshold, MAX_COPY_OBJECT_SIZE)) {
    // MetadataDirective COPY (the default) keeps Content-Type and user metadata.
    await client.send(new CopyObjectCommand({ ...target, CopySource: copySource(source), MetadataDirective: 'COPY' }));
    return;
  }
  const common = { CopySource: copySource(source), CopySourceIfUnmodifiedSince: head.LastModified };

  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ ...target, ContentType: head.ContentType, Metadata: head.Metadata }));
  try {
    const partBytes = Math.max(partSize, MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
    const ranges: Array<{ PartNumber: number; range: string }> = [];
    for (let start = 0, n = 1; start < size; start += partBytes, n++) {
      ranges.push({ PartNumber: n, range: `bytes=${start}-${Math.min(start + partBytes, size) - 1}` });
    }
    const parts: CompletedPart[] = [];
    // A few parts at a time: each is a server-side copy, so concurrency costs no memory here.
    const worker = async () => {
      for (let next = ranges.shift(); next; next = ranges.shift()) {
        const { CopyPartResult } = await client.send(
          new UploadPartCopyCommand({ ...target, ...common, UploadId, PartNumber: next.PartNumber, CopySourceRange: next.range }),
        );
        parts.push({ PartNumber: next.PartNumber, ETag: CopyPartResult?.ETag });
      }
    };
    // Wait for every worker before aborting: a part that completes after the abort could
    // otherwise leave storage behind (S3 documents that an abort may need repeating then).
    const results = await Promise.allSettled(
      Array.from({ length: PARALLEL_PARTS }, () =>
        worker().catch((error: unknown) => {
          ranges.length = 0; // the other workers stop after their current part
          throw error;
        }),
      ),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const after = await client.send(new HeadObjectCommand(source));
    if (after.ETag !== head.ETag || after.ContentLength !== head.ContentLength) {
      throw new Error(`${source.Bucket}/${source.Key} changed while it was being copied`);
    }
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
    throw error;
  }
}

/** `bucket/key`, URL-encoded as the x-amz-copy-source header requires (`/` kept). */
function copySource({ Bucket, Key }: Location): string {
  return `${Bucket}/${Key.split('/').map(encodeURIComponent).join('/')}`;
}
