import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Suffix of in-flight temp files. They live next to their target (a rename is only atomic
 * within one filesystem), so listings skip them and keys may not end with it.
 */
export const TEMP_SUFFIX = '.airlock-tmp';

/**
 * Streams `body` into `target` so that readers see the old file or the whole new one:
 * temp file in the same directory, fsync, rename over the target, fsync the directory (the
 * rename itself is only durable once the directory entry is). On any error the temp file is
 * removed and the body destroyed, and the error is rethrown.
 */
export async function writeFileAtomic(target: string, body: Readable): Promise<number> {
  const dir = dirname(target);
  // Owner-only (files at rest, issue #12): other local users read nothing, whatever the umask.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(target)}.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
  const file = await open(temp, 'wx', 0o600);
  let size = 0;
  try {
    try {
      // for-await pulls one chunk at a time: backpressure without buffering the body.
      for await (const chunk of body) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
        size += bytes.byteLength;
        await writeAll(file, bytes);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    await renameDurably(temp, target);
    return size;
  } catch (error) {
    body.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDirectory(dirname(to));
}

/** Makes a directory's entries (a rename, a new file) survive a crash. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
