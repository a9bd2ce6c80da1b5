import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Random bytes that the door's type check reads as `application/octet-stream`. Plain random data
 * looks like a format's magic bytes about once in 3,000 (an MP3 frame header, an MPEG-TS packet,
 * a JPEG XL codestream …: 7 of 20,000 4 KiB samples), and the suites that allow only OCTETS then
 * see a 415 instead of their upload. A NUL first byte matched nothing in 20,000 samples.
 */
export function randomOctets(length: number): Buffer<ArrayBuffer> {
  const bytes = randomBytes(length);
  if (length > 0) bytes[0] = 0;
  return bytes;
}

/** Writes `size` random bytes (`randomOctets`) to a file in `dir` without holding them in memory; returns path and SHA-256. */
export async function randomFile(dir: string, size: number, name = 'source.bin'): Promise<{ path: string; sha256: string }> {
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  async function* chunks() {
    for (let left = size; left > 0;) {
      const chunk = left === size ? randomOctets(Math.min(left, 1 << 20)) : randomBytes(Math.min(left, 1 << 20));
      hash.update(chunk);
      left -= chunk.length;
      yield chunk;
    }
  }
  await pipeline(chunks(), fs.createWriteStream(file));
  return { path: file, sha256: hash.digest('hex') };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** The quarantine copy of an upload (local backend). */
export function quarantinePath(dataDir: string, uploadId: string): string {
  return path.join(dataDir, 'quarantine', uploadId);
}
