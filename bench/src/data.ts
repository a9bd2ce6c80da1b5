import { createCipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { MiB } from './options.js';

const BLOCK = 8 * MiB;

/**
 * Writes `bytes` of fresh random data to `file` without holding it in memory: an AES-256-CTR
 * keystream under a new random key (indistinguishable from random, and ~10× faster than
 * randomFill). Fresh keys matter: clamd caches results by hash.
 */
export async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const cipher = createCipheriv('aes-256-ctr', randomBytes(32), randomBytes(16));
  const zeros = Buffer.alloc(BLOCK);
  const handle = await fs.promises.open(file, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const block = cipher.update(zeros.subarray(0, Math.min(BLOCK, bytes - written)));
      await handle.write(block);
      written += block.length;
    }
  } finally {
    await handle.close();
  }
}

/** `length` bytes of `file` from `offset` (small uploads take distinct slices of the source). */
export async function readSlice(handle: fs.promises.FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  if (bytesRead !== length) throw new Error(`short read at ${offset}: ${bytesRead} of ${length} bytes`);
  return buffer;
}

/**
 * `count` buffers of `bytes` random bytes, for small uploads taken in turn (random: anything that
 * looks like text would be refused by Airlock's type check).
 */
export function randomBodies(bytes: number, count = 64): Buffer[] {
  return Array.from({ length: count }, () => randomBytes(bytes));
}
