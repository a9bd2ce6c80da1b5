import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';

/** S3 refuses multipart parts below 5 MiB (EntityTooSmall), except the last one. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

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
 * stream ends by then, one PutObject (one request, and nothing exists until it succeeds);
 * otherwise a multipart upload in `partSize` parts, one part in flight (so memory stays at
 * the buffered head plus one part). lib-storage's Upload aborts the multipart upload on any
 * error, body errors included, so no parts are left to be billed.
 * Resolves with the byte count; rejects with the underlying error, the body destroyed.
 */
export async function writeObject(target: WriteTarget, body: Readable): Promise<number> {
  const { client, bucket, key, contentType, multipartThreshold, partSize } = target;
  const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let size = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes <= multipartThreshold) {
      const next = await source.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      head.push(chunk);
      headBytes += chunk.byteLength;
    }
    size = headBytes;
    if (ended) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(head), ContentType: contentType }));
      return size;
    }
    // Replay the buffered head, then the rest of the body, releasing chunks as they go.
    async function* rest(): AsyncGenerator<Buffer> {
      while (head.length > 0) yield head.shift()!;
      for (let next = await source.next(); !next.done; next = await source.next()) {
        const chunk = toBuffer(next.value);
        size += chunk.byteLength;
        yield chunk;
      }
    }
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: Readable.from(rest(), { objectMode: false }), ContentType: contentType },
      partSize: Math.max(partSize, MIN_PART_SIZE),
      queueSize: 1,
      leavePartsOnError: false,
    });
    await upload.done();
    return size;
  } catch (error) {
    body.destroy();
    throw error;
  }
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
