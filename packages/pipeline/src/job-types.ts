import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { JobName, JobPayload, Producer } from '@airlock/queue';
import type { EngineVersion, Scanner } from '@airlock/scanner';
import type { StorageDriver } from '@airlock/storage';
import type { RedisConnection } from './jobs/gc/upload-lock.js';
import type { Logger } from './logger.js';

// What a job handler is and what it gets, apart from the table of handlers (handlers.ts), so
// the jobs import these types without importing the table that imports them.

export interface JobContext {
  logger: Logger;
  /** 1 for the first delivery of this BullMQ job. */
  attempt: number;
  /** Aborted when the worker shuts down; long work must stop and hand the job back. */
  signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<void>;
/**
 * The job table: one handler for every job of the catalogue in @airlock/queue. Not optional:
 * a job added to the catalogue without its handler does not compile (the registry still
 * checks at start, for a table built around the types).
 */
export type JobHandlers = { [N in JobName]: JobHandler<N> };

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
