import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a database URL points: the provider is chosen by the URL alone. */
export type DatabaseTarget = { provider: 'sqlite'; /** absolute path, or ':memory:' */ path: string } | { provider: 'postgresql'; url: string };

/**
 * `file:<path>` → SQLite (relative paths resolve against the working directory, like
 * every other path in the config; `file:///abs` is accepted too), `postgres://` or
 * `postgresql://` → PostgreSQL. Anything else is a configuration error.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return { provider: 'postgresql', url: databaseUrl };
  if (databaseUrl.startsWith('file:')) {
    // Query parameters (Prisma-style `?connection_limit=…`) mean nothing to better-sqlite3.
    const withoutQuery = databaseUrl.split('?')[0] ?? databaseUrl;
    const rest = withoutQuery.slice('file:'.length);
    if (rest === ':memory:') return { provider: 'sqlite', path: ':memory:' };
    const path = rest.startsWith('//') ? fileURLToPath(withoutQuery) : resolve(rest);
    if (rest === '' || path.endsWith('/')) throw new Error(`SQLite URL has no file name: ${databaseUrl}`);
    return { provider: 'sqlite', path };
  }
  const scheme = databaseUrl.split(':')[0] ?? '';
  throw new Error(`Unsupported database URL scheme "${scheme}:" (expected file:, postgres: or postgresql:)`);
}

/**
 * SQLite creates the file but not its folder; a fresh data directory must just work. The
 * database holds every user's file names and checksums: a folder created here is 0700, and
 * the file is created (or narrowed to) 0600 before SQLite opens it, whatever the umask.
 * SQLite gives the -wal and -shm files it creates the main file's mode; ones left by an older
 * version are narrowed too.
 */
export function prepareSqliteFile(path: string): void {
  if (path === ':memory:') return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

/**
 * Busy timeout for every SQLite connection: several processes (api, workers) share one
 * file and a writer waits this long for another's lock instead of failing at once.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
