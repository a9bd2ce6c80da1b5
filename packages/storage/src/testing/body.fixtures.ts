import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

/**
 * `size` pseudo-random bytes (xorshift32 from `seed`), generated chunk by chunk as the
 * consumer pulls: a multi-MiB body that never exists whole in memory.
 */
export function patternedBody(size: number, seed = 1): Readable {
  let state = seed >>> 0 || 1;
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, left));
      for (let i = 0; i < chunk.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        chunk[i] = state & 0xff;
      }
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

/** Emits `bytesBeforeError` patterned bytes, then fails like a dropped client connection. */
export function failingBody(bytesBeforeError: number): Readable {
  async function* bytesThenError() {
    yield* patternedBody(bytesBeforeError);
    throw new Error('client went away');
  }
  return Readable.from(bytesThenError(), { objectMode: false });
}

/** SHA-256 of a stream, consumed incrementally. */
export async function sha256(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

export async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function bodyOf(bytes: Buffer | string): Readable {
  return Readable.from([Buffer.from(bytes)]);
}
