import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { JobName, JobPayload, Producer } from '@airlock/queue';
import type { Logger } from './logger.js';

export interface JobContext {
  logger: Logger;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the worker shuts down; long work must stop and hand the job back. */
  signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<void>;
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

export interface WorkerDeps {
  config: Config;
  db: Database;
  producer: Producer;
  logger: Logger;
}

/**
 * The pipeline stages. For now each stage consumes its job and logs it: validation,
 * scanning and promotion are built in the pipeline issue on top of this table.
 */
export function createHandlers(_deps: WorkerDeps): JobHandlers {
  const logOnly =
    <N extends JobName>(name: N): JobHandler<N> =>
    async (payload, ctx) => {
      ctx.logger.info({ job: name, payload, attempt: ctx.attempt }, 'pipeline job received');
    };
  return {
    'upload.validate': logOnly('upload.validate'),
    'upload.scan': logOnly('upload.scan'),
    'upload.promote': logOnly('upload.promote'),
    'maintenance.reconcile': logOnly('maintenance.reconcile'),
  };
}
