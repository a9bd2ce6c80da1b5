import { chmodSync, mkdirSync } from 'node:fs';

/**
 * DATA_DIR holds the SQLite database, local storage, generated secrets and spooled chunks:
 * owner-only (0700), created so or narrowed explicitly (mkdir leaves an existing folder's
 * mode alone, and the umask could widen a new one). What lives inside sets its own modes
 * too; this is the outer fence. The process umask becomes 077, so files that libraries create
 * with their own modes (tus's uploads and their .json sidecars) are owner-only as well.
 * Called by each process (API, workers) at start, before it touches anything below DATA_DIR;
 * a DATA_DIR it cannot create or narrow (another user's folder) stops it with one line.
 */
export function prepareDataDir(dataDir: string): void {
  process.umask(0o077);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    console.error(`Invalid configuration: DATA_DIR: ${dataDir} cannot be made owner-only (${code}); it must be a folder of the user running Airlock`);
    process.exit(1);
  }
}
