import type { FileStatus } from '@airlock/core';
import type { MaintenanceCursor } from '@airlock/db';
import { CONCURRENCY, forEachLimit, PAGE, type GcPass } from './gc-context.js';
import { purgeFile } from './purge-file.js';

/** Terminal statuses whose bytes stay in quarantine for forensics until retention ends. */
export const RETAINED: readonly FileStatus[] = ['quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * Retention: the bytes of files that ended badly are kept QUARANTINE_RETENTION_SECONDS after
 * their last change, then purged; the row stays, with `purged_at`. `complete` files are never
 * retention's, and neither is anything still in the pipeline.
 *
 * A file deleted less than the grace period ago is left for later even when its retention is
 * over: a concatenation retires its partial uploads (failed, deleted) in the database and only
 * then reads their bytes into the final upload.
 */
export async function purgeRetained(pass: GcPass): Promise<void> {
  const { db, now, config, report, graceBefore } = pass;
  const before = new Date(now.getTime() - config.quarantineRetentionSeconds * 1000);
  let after: MaintenanceCursor | undefined;
  while (!pass.signal.aborted) {
    const page = await db.maintenance.listPurgeable(RETAINED, before, PAGE, after);
    if (page.length === 0) return;
    const last = page.at(-1)!;
    after = { at: last.file.updatedAt, id: last.file.id };
    const due = page.filter(({ file }) => file.deletedAt === null || file.deletedAt < graceBefore);
    await forEachLimit(due, CONCURRENCY, async (stored) => {
      try {
        if ((await purgeFile(pass, stored)) === 'busy') report.busy += 1;
      } catch (error) {
        pass.fail(error, { fileId: stored.file.id, phase: 'retention' });
      }
    });
  }
}
