import type { JobHandler, WorkerDeps } from '../job-types.js';
import { enqueueStage, stageOf } from '../stage.js';

const BATCH = 500;

/**
 * maintenance.reconcile: the database is the source of truth, Redis may lose jobs (no
 * persistence, a flush, a worker killed after its status change and before its enqueue).
 * Files sitting in a pipeline status for longer than RECONCILE_AFTER_SECONDS are enqueued
 * again; the deterministic job ids make this a no-op for a file whose job still waits or
 * runs, and every job checks the status it expects, so nothing runs twice.
 *
 * Never starving: each file taken is marked re-enqueued and goes to the back of the line
 * (never re-enqueued files first, then the least recently re-enqueued), so files that keep
 * failing cannot hold the batch; each stage's budget of attempts (counted in the database)
 * ends them in a bounded number of passes.
 */
export function reconcile(deps: WorkerDeps): JobHandler<'maintenance.reconcile'> {
  const { config, db } = deps;
  return async (_payload, { logger }) => {
    const now = new Date();
    const before = new Date(now.getTime() - config.reconcileAfterSeconds * 1000);
    const stale = await db.files.listStale(['assembling', 'scanning'], before, BATCH);
    // Marked before the enqueues: a file whose enqueue fails (Redis away) still yields its place.
    await db.files.markReconciled(
      stale.map((file) => file.id),
      now,
    );
    for (const file of stale) {
      const stage = stageOf(file);
      if (stage) await enqueueStage(deps, file.id, stage);
    }
    if (stale.length > 0) logger.info({ count: stale.length }, 'reconcile: re-enqueued stale files');
  };
}
