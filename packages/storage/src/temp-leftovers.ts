import { opendir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX } from './atomic-file.writer.js';
import { StorageError } from './driver.js';

/**
 * Removes the temp files (`*.airlock-tmp`, see atomic-file.writer.ts) under `root` last
 * modified before `before`: what a write leaves when its process is killed between creating
 * its temp file and renaming it into place (a promotion's copy, a SIGKILLed worker). A write in
 * flight touches its temp file with every chunk, so an old one belongs to nobody. Nothing but
 * temp files is ever touched. Returns how many were removed.
 */
export async function removeTempLeftovers(root: string, before: Date): Promise<number> {
  let entries;
  try {
    entries = await opendir(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 0;
    throw new StorageError('E_STORAGE', `Could not list ${root}`, { cause: error });
  }
  let removed = 0;
  for await (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) removed += await removeTempLeftovers(path, before);
    else if (entry.isFile() && entry.name.endsWith(TEMP_SUFFIX)) {
      // Renamed into place (or removed) between readdir and stat: not a leftover.
      const info = await stat(path).catch(() => null);
      if (!info || info.mtime >= before) continue;
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw new StorageError('E_STORAGE', `Could not remove ${path}`, { cause: error });
      });
      removed += 1;
    }
  }
  return removed;
}
