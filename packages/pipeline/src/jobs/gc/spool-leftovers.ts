import fs from 'node:fs';
import path from 'node:path';
import type { GcPass } from './gc-context.js';

/** A spool directory untouched this long belongs to no live request (a live spool is written at least once per idle timeout). */
export const SPOOL_LEFTOVER_SECONDS = 3600;

/**
 * The API spools checksummed chunks into `DATA_DIR/spool/<host>-<pid>/` (apps/api
 * tus/checksum-spool.ts) and clears the directories of its own host's dead processes at
 * start. What a process of another host sharing DATA_DIR left, or one that never restarted,
 * goes here: any directory of the spool whose newest entry is older than the threshold.
 */
export async function removeSpoolLeftovers(pass: Pick<GcPass, 'config' | 'now' | 'report' | 'logger'>): Promise<void> {
  const dir = pass.config.checksumSpool.dir;
  const threshold = Math.max(SPOOL_LEFTOVER_SECONDS, 2 * pass.config.idleTimeoutSeconds) * 1000;
  for (const name of await fs.promises.readdir(dir).catch(() => [] as string[])) {
    const full = path.join(dir, name);
    const newest = await newestMtime(full);
    if (newest === undefined || pass.now.getTime() - newest <= threshold) continue;
    await fs.promises.rm(full, { recursive: true, force: true });
    pass.report.spoolLeftovers += 1;
    pass.logger.info({ dir: name }, 'gc: removed a checksum spool left behind');
  }
}

async function newestMtime(target: string): Promise<number | undefined> {
  const stat = await fs.promises.stat(target).catch(() => undefined);
  if (!stat) return undefined;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of await fs.promises.readdir(target).catch(() => [] as string[])) {
    newest = Math.max(newest, (await newestMtime(path.join(target, name))) ?? 0);
  }
  return newest;
}
