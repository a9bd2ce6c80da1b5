import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { Producer } from '@airlock/queue';
import type { StorageDriver } from '@airlock/storage';
import type { Logger } from '../../logger.js';
import type { UploadLocks } from './upload-lock.js';

/** What one pass found and did; logged as the job's result. */
export interface GcReport {
  /** Open uploads this pass moved to `failed` / `expired`. */
  expired: number;
  /** Uploads left alone because their lock was held (a request writing); retried next pass. */
  busy: number;
  /** Files whose bytes this pass removed (their `purged_at` set): expired, retention, unfinished deletions. */
  purged: number;
  /** Storage objects with no row, removed. */
  orphans: number;
  /** Storage objects of rows whose bytes are purged or promoted, removed. */
  leftovers: number;
  /** Incomplete S3 multipart uploads aborted (quarantine and final). */
  multipartAborted: number;
  /** Complete files whose final object is gone: reported, never fixed. */
  missingBytes: number;
  /** Temp files of writes interrupted before their rename (local storage), removed. */
  tempLeftovers: number;
  /** Checksum spool directories left by stopped API processes, removed. */
  spoolLeftovers: number;
  /** Whether this pass ran the storage audit (orphans, missing bytes); it is throttled. */
  audited: boolean;
  /** Items that failed (logged); the pass ends early past a budget. */
  errors: number;
}

export interface GcDeps {
  config: Config;
  db: Database;
  storage: StorageDriver;
  producer: Pick<Producer, 'enqueue'>;
  locks: UploadLocks;
  logger: Logger;
}

/** One pass: the deps, one clock reading, and the running report. */
export interface GcPass extends GcDeps {
  /** Read once at the start: "expired" and "old" mean relative to this. */
  now: Date;
  /** Objects and deletions younger than this are never garbage (ORPHAN_GRACE_SECONDS). */
  graceBefore: Date;
  signal: AbortSignal;
  report: GcReport;
  /** Logs a failed item and counts it; throws once the pass has failed too often to go on. */
  fail(error: unknown, details: Record<string, unknown>): void;
}

/** A pass gives up after this many failed items: storage or the database is likely down. */
const ERROR_BUDGET = 20;

/** Rows read per page, and storage keys resolved per database query. */
export const PAGE = 200;
/** Files purged at once: storage calls run concurrently, database writes queue as they must. */
export const CONCURRENCY = 8;

export function newReport(): GcReport {
  return {
    expired: 0,
    busy: 0,
    purged: 0,
    orphans: 0,
    leftovers: 0,
    multipartAborted: 0,
    missingBytes: 0,
    tempLeftovers: 0,
    spoolLeftovers: 0,
    audited: false,
    errors: 0,
  };
}

export function startPass(deps: GcDeps, now: Date, signal: AbortSignal): GcPass {
  const report = newReport();
  return {
    ...deps,
    now,
    graceBefore: new Date(now.getTime() - deps.config.orphanGraceSeconds * 1000),
    signal,
    report,
    fail(error, details) {
      report.errors += 1;
      deps.logger.warn({ ...details, err: (error as Error)?.message ?? String(error) }, 'gc: item failed; the next pass retries it');
      if (report.errors >= ERROR_BUDGET) throw new Error(`gc: ${report.errors} items failed; ending this pass early`, { cause: error });
    },
  };
}

/** Runs `work` over `items`, at most `limit` at a time; a rejection ends it (after the running ones settle). */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let stopped = false;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!stopped && next < items.length) {
      await work(items[next++]!).catch((error: unknown) => {
        stopped = true;
        throw error;
      });
    }
  });
  const results = await Promise.allSettled(lanes);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Upload and file ids are 32 lower-case hex characters (apps/api/src/tus/upload-id.ts). */
export const ID = /^[0-9a-f]{32}$/;
