import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** SHA-256 of a file, streamed (never held in memory); `onProgress` sees the bytes read so far. */
export async function sha256OfFile(file: string, onProgress: (bytes: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let read = 0;
  await pipeline(
    fs.createReadStream(file, { highWaterMark: 1 << 20 }),
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        read += chunk.length;
        onProgress(read);
        callback();
      },
    }),
    ...(signal ? [{ signal }] : []),
  );
  return hash.digest('hex');
}
