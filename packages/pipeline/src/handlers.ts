import { collectGarbageJob } from './jobs/collect-garbage.job.js';
import { promoteUpload } from './jobs/promote-upload.job.js';
import { reconcile } from './jobs/reconcile.job.js';
import { scanUpload } from './jobs/scan-upload.job.js';
import { validateUpload } from './jobs/validate-upload.job.js';
import type { JobHandlers, WorkerDeps } from './job-types.js';

export type { JobContext, JobHandler, JobHandlers, WorkerDeps } from './job-types.js';

/** The job table: one handler per job of the catalogue in @airlock/queue. */
export function createHandlers(deps: WorkerDeps): JobHandlers {
  return {
    'upload.validate': validateUpload(deps),
    'upload.scan': scanUpload(deps),
    'upload.promote': promoteUpload(deps),
    'maintenance.reconcile': reconcile(deps),
    'maintenance.gc': collectGarbageJob(deps),
  };
}
