import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Reads up to `bytes` from the front of `source` and returns them with a stream that yields
 * the same bytes again followed by the rest: the type check looks at the first bytes of an
 * upload without holding more than `bytes` in memory or losing any.
 */
export async function peek(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(parts);
  async function* replay() {
    if (head.length > 0) yield head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head: head.subarray(0, bytes), stream: Readable.from(replay(), { objectMode: false }) };
}

/**
 * Spools a chunk to a temporary file while hashing it, so a chunk is verified before one
 * byte of it reaches the upload (tus checksum: "the Server MUST NOT append the data").
 * Memory stays flat; the caller streams the file on and calls `discard()`.
 */
export async function spoolWithDigests(source: Readable, algorithms: string[]): Promise<{
  digests: Map<string, Buffer>;
  open(): Readable;
  discard(): Promise<void>;
}> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'airlock-chunk-'));
  const file = path.join(dir, 'chunk');
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  const discard = () => fs.promises.rm(dir, { recursive: true, force: true });
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          for (const [, hash] of hashes) hash.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(file),
    );
  } catch (error) {
    await discard();
    throw error;
  }
  return {
    digests: new Map(hashes.map(([algorithm, hash]) => [algorithm, hash.digest()])),
    open: () => fs.createReadStream(file),
    discard,
  };
}
