import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Writes `size` random bytes to a file in `dir` without holding them in memory; returns path and SHA-256. */
export async function randomFile(dir: string, size: number, name = 'source.bin'): Promise<{ path: string; sha256: string }> {
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  async function* chunks() {
    for (let left = size; left > 0;) {
      const chunk = randomBytes(Math.min(left, 1 << 20));
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
