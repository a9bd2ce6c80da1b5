import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/** S3 refuses multipart parts below 5 MiB (EntityTooSmall), except the last one. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface WriteTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string | undefined;
  multipartThreshold: number;
  partSize: number;
}

/**
 * Uploads a stream of unknown length. It buffers at most `multipartThreshold` bytes: if the
 * stream ends by then, one PutObject (nothing exists until it succeeds); otherwise a
 * multipart upload in `partSize` parts, sent one at a time from one reused buffer. Any error,
 * the body's included, aborts the multipart upload so no parts stay stored (a bucket
 * lifecycle rule for incomplete uploads is still the backstop if the abort itself fails).
 *
 * Why not @aws-sdk/lib-storage's Upload: measured here with queueSize 1 and 8 MiB parts, it
 * kept ~40 MiB of buffers alive (it concatenates chunks into a new buffer per part and keeps
 * the previous one reachable through the remainder slice); this loop keeps at most the
 * buffered head plus one part buffer (~16 MiB measured for 200 MiB in 8 MiB parts).
 * Resolves with the byte count; rejects with the underlying error, the body destroyed.
 */
export async function writeObject(target: WriteTarget, body: Readable): Promise<number> {
  const { client, bucket, key, contentType, multipartThreshold } = target;
  const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string | Uint8Array>;
  const head: Buffer[] = [];
  let headBytes = 0;
  try {
    while (headBytes <= multipartThreshold) {
      const next = await source.next();
      if (next.done) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(head), ContentType: contentType }));
        return headBytes;
      }
      const chunk = toBuffer(next.value);
      head.push(chunk);
      headBytes += chunk.byteLength;
    }
    return await uploadInParts(target, replay(head, source));
  } catch (error) {
    body.destroy();
    throw error;
  }
}

async function uploadInParts(target: WriteTarget, chunks: AsyncIterable<Buffer>): Promise<number> {
  const { client, bucket: Bucket, key: Key, contentType } = target;
  const partSize = Math.max(target.partSize, MIN_PART_SIZE);
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: contentType }));
  try {
    const part = Buffer.allocUnsafe(partSize);
    const parts: CompletedPart[] = [];
    let filled = 0;
    let size = 0;
    // The buffer is reused only after send() resolved: the server has then received every byte.
    const flush = async () => {
      const PartNumber = parts.length + 1;
      if (PartNumber > MAX_PARTS) throw new Error(`More than ${MAX_PARTS} parts: raise the part size`);
      const { ETag } = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: part.subarray(0, filled) }));
      parts.push({ PartNumber, ETag });
      filled = 0;
    };
    for await (const chunk of chunks) {
      for (let offset = 0; offset < chunk.byteLength;) {
        const copied = chunk.copy(part, filled, offset);
        filled += copied;
        offset += copied;
        size += copied;
        if (filled === partSize) await flush();
      }
    }
    if (filled > 0 || parts.length === 0) await flush();
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    return size;
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw error;
  }
}

/** The buffered head (released chunk by chunk), then the rest of the body. */
async function* replay(head: Buffer[], rest: AsyncIterator<Buffer | string | Uint8Array>): AsyncGenerator<Buffer> {
  while (head.length > 0) yield head.shift()!;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield toBuffer(next.value);
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
