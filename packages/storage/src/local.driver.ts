import { chmodSync, mkdirSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, lstat, mkdir, open, opendir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { TEMP_SUFFIX, fsyncDirectory, writeFileAtomic } from './atomic-file.writer.js';
import { StorageError, type Area, type ByteRange, type ObjectRef, type ObjectStat, type RenamingDriver, type TempSweepingDriver } from './driver.js';
import { assertValidKey, assertValidPrefix, assertValidRange } from './object-key.validator.js';
import { removeTempLeftovers } from './temp-leftovers.js';

export interface LocalDriverOptions {
  quarantineDir: string;
  finalDir: string;
}

/**
 * Files under two folders, one per area. Keys map to paths below their folder (never
 * outside: see object-key.validator.ts). Local limits: a key cannot be both an object and a
 * "folder" of other objects (`a` and `a/b`), and keys may not end with `.airlock-tmp`.
 * Symbolic links placed inside the folders by someone else are followed on read and skipped by list.
 */
export function createLocalDriver(options: LocalDriverOptions): RenamingDriver & TempSweepingDriver {
  const roots: Record<Area, string> = { quarantine: resolve(options.quarantineDir), final: resolve(options.finalDir) };
  // Both folders are owner-only (0700; files in them 0600), set explicitly: mkdir leaves an
  // existing folder's mode alone, and the umask could widen a new one. tus writes into the
  // quarantine folder too, with its own file modes: the folder is what keeps others out.
  for (const root of Object.values(roots)) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
  }

  function pathOf(ref: ObjectRef): string {
    assertValidKey(ref.key);
    if (ref.key.endsWith(TEMP_SUFFIX)) {
      throw new StorageError('E_INVALID_KEY', `Invalid storage key ${JSON.stringify(ref.key)}: reserved suffix`);
    }
    const root = roots[ref.area];
    if (root === undefined) throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(ref.area)}`);
    const path = join(root, ...ref.key.split('/'));
    // Belt and braces: the key rules already exclude this.
    if (!path.startsWith(root + sep)) throw new StorageError('E_INVALID_KEY', `Key escapes its area: ${ref.key}`);
    return path;
  }

  return {
    backend: 'local',

    async read(ref: ObjectRef, range?: ByteRange): Promise<Readable> {
      const path = pathOf(ref);
      assertValidRange(range);
      // Open first, then stat the handle: the size and the bytes come from the same file
      // even if a writer renames a new version over the path in between.
      const file = await open(path, 'r').catch((error: unknown) => {
        throw fsError(error, ref);
      });
      try {
        const info = await file.stat();
        if (!info.isFile()) throw notFound(ref);
        if (range && range.start >= info.size) {
          throw new StorageError('E_INVALID_RANGE', `Range ${range.start}-${range.end} is outside ${info.size} bytes`);
        }
        // As in HTTP and S3, an end past the last byte means "to the end".
        const end = range ? Math.min(range.end, info.size - 1) : undefined;
        return file.createReadStream({ start: range?.start ?? 0, end, autoClose: true });
      } catch (error) {
        await file.close();
        throw error;
      }
    },

    async write(ref: ObjectRef, body: Readable): Promise<{ size: number }> {
      let path: string;
      try {
        path = pathOf(ref);
      } catch (error) {
        body.destroy();
        throw error;
      }
      try {
        return { size: await writeFileAtomic(path, body) };
      } catch (error) {
        throw new StorageError('E_STORAGE', `Could not write ${ref.area}/${ref.key}`, { cause: error });
      }
    },

    async delete(ref: ObjectRef): Promise<void> {
      const path = pathOf(ref);
      // Missing (ENOENT), a parent that is a file (ENOTDIR) or a "folder" (EISDIR): no object here.
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') return;
        throw new StorageError('E_STORAGE', `Could not delete ${ref.area}/${ref.key}`, { cause: error });
      });
      // Empty parent folders stay: removing them races with a concurrent write into them.
    },

    async stat(ref: ObjectRef): Promise<ObjectStat | null> {
      const path = pathOf(ref);
      const info = await stat(path, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
        throw new StorageError('E_STORAGE', `Could not stat ${ref.area}/${ref.key}`, { cause: error });
      });
      if (!info?.isFile()) return null;
      // Every write renames a new inode into place, so size + mtime (ns) + inode changes with
      // every version: a strong validator without hashing the file.
      const etag = `"${info.size.toString(16)}-${info.mtimeNs.toString(16)}-${info.ino.toString(16)}"`;
      return { size: Number(info.size), lastModified: info.mtime, etag };
    },

    async *list(area: Area, prefix: string) {
      assertValidPrefix(prefix);
      const root = roots[area];
      if (root === undefined) throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(area)}`);
      // Start at the deepest folder the prefix names whole; the rest is a string filter.
      const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      yield* walk(root, base === '' ? root : join(root, ...base.split('/')), prefix);
    },

    async removeTempLeftovers(area: Area, before: Date): Promise<number> {
      const root = roots[area];
      if (root === undefined) throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(area)}`);
      return removeTempLeftovers(root, before);
    },

    async checkAccess(area: Area): Promise<void> {
      const root = roots[area];
      if (root === undefined) throw new StorageError('E_INVALID_KEY', `Unknown area ${JSON.stringify(area)}`);
      try {
        if (!(await stat(root)).isDirectory()) throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
        await access(root, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new StorageError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_STORAGE', `The ${area} folder is not usable`, { cause: error });
      }
    },

    async copy(from: ObjectRef, to: ObjectRef): Promise<void> {
      const source = pathOf(from);
      const target = pathOf(to);
      const file = await open(source, 'r').catch((error: unknown) => {
        throw fsError(error, from);
      });
      if (!(await file.stat()).isFile()) {
        await file.close();
        throw notFound(from);
      }
      try {
        await writeFileAtomic(target, file.createReadStream({ autoClose: true }));
      } catch (error) {
        throw new StorageError('E_STORAGE', `Could not copy ${from.area}/${from.key} to ${to.area}/${to.key}`, { cause: error });
      }
    },

    async rename(from: ObjectRef, to: ObjectRef): Promise<boolean> {
      const source = pathOf(from);
      const target = pathOf(to);
      // lstat: a "folder" (or a link) is not an object, and renaming it would move a whole tree.
      const info = await lstat(source).catch((error: unknown) => {
        throw fsError(error, from);
      });
      if (!info.isFile()) throw notFound(from);
      try {
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        // The source may come from another writer (tus, with its own modes): owner-only
        // before it appears under its new name.
        await chmod(source, 0o600);
        await rename(source, target);
      } catch (error) {
        // Different filesystems: the caller copies, verifies and deletes instead.
        if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
        throw new StorageError('E_STORAGE', `Could not rename ${from.area}/${from.key} to ${to.area}/${to.key}`, { cause: error });
      }
      // Both directory entries changed; each is durable only once its directory is synced.
      await fsyncDirectory(dirname(target));
      if (dirname(source) !== dirname(target)) await fsyncDirectory(dirname(source));
      return true;
    },
  };
}

async function* walk(root: string, dir: string, prefix: string): AsyncGenerator<{ key: string; size: number; lastModified: Date }> {
  let entries;
  try {
    entries = await opendir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw new StorageError('E_STORAGE', `Could not list ${dir}`, { cause: error });
  }
  for await (const entry of entries) {
    const path = join(dir, entry.name);
    const key = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) {
      // Descend only where keys can still start with the prefix.
      if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) yield* walk(root, path, prefix);
    } else if (entry.isFile() && key.startsWith(prefix) && !entry.name.endsWith(TEMP_SUFFIX)) {
      // A file deleted between readdir and stat is simply not listed.
      const info = await stat(path).catch(() => null);
      if (info) yield { key, size: info.size, lastModified: info.mtime };
    }
  }
}

function notFound(ref: ObjectRef): StorageError {
  return new StorageError('E_NOT_FOUND', `No object at ${ref.area}/${ref.key}`);
}

function fsError(error: unknown, ref: ObjectRef): StorageError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new StorageError('E_NOT_FOUND', `No object at ${ref.area}/${ref.key}`, { cause: error });
  }
  return new StorageError('E_STORAGE', `Storage error on ${ref.area}/${ref.key}`, { cause: error });
}
