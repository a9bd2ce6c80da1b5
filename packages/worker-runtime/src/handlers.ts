import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { JobName, JobPayload, Producer } from '@airlock/queue';
import type { EngineVersion, Scanner } from '@airlock/scanner';
import type { StorageDriver } from '@airlock/storage';
import { collectGarbageJob } from './jobs/collect-garbage.job.js';
import { promoteUpload } from './jobs/promote-upload.job.js';
import { reconcile } from './jobs/reconcile.job.js';
import { scanUpload } from './jobs/scan-upload.job.js';
import { validateUpload } from './jobs/validate-upload.job.js';
import type { RedisConnection } from './jobs/gc/upload-lock.js';
import type { Logger } from './logger.js';

export interface JobContext {
  logger: Logger;
  /** 1 for the first delivery of this BullMQ job. */
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
  storage: StorageDriver;
  scanner: Scanner;
  /** clamd's engine and signature-database version (audit record, test-signature check); null when it does not answer. */
  engineVersion: () => Promise<EngineVersion | null>;
  /** The producer's connection, for the upload locks garbage collection shares with the API. */
  redis: RedisConnection;
  logger: Logger;
}

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
