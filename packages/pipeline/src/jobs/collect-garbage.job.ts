import type { JobHandler, WorkerDeps } from '../job-types.js';
import { expireUploads, purgeExpired } from './gc/expire-uploads.js';
import { sweepFinalLeftovers } from './gc/final-leftovers.js';
import { startPass, type GcDeps, type GcReport } from './gc/gc-context.js';
import { reportMissingBytes } from './gc/missing-bytes.js';
import { abortAbandonedMultipart } from './gc/multipart.js';
import { sweepStorage } from './gc/orphans.js';
import { purgeRetained } from './gc/retention.js';
import { removeSpoolLeftovers } from './gc/spool-leftovers.js';
import { createUploadLocks, type RedisConnection } from './gc/upload-lock.js';

/** The storage audit (a walk over every object and every complete file) runs at most this often. */
const MAX_AUDIT_INTERVAL_MS = 3600_000;

/**
 * maintenance.gc (every GC_INTERVAL_SECONDS, janitor): expiry, retention and garbage
 * collection from the database, never from storage timestamps alone (@tus/file-store's
 * expiry also deletes completed uploads; @tus/s3-store's aborts every multipart upload).
 *
 * Any number of passes may run at once, and a pass may die anywhere: every status change is
 * conditional (one applier), every deletion idempotent, `purged_at` is written after the bytes
 * are gone, and the bytes of an upload only go under its tus lock.
 */
export function collectGarbageJob(deps: WorkerDeps): JobHandler<'maintenance.gc'> {
  const locks = createUploadLocks(deps.redis);
  return async (_payload, { logger, signal }) => {
    await collectGarbage({ ...deps, locks, logger }, { redis: deps.redis, signal });
  };
}

export interface GcOptions {
  /** Holds the audit's throttle (and, through `deps.locks`, the upload locks). */
  redis: RedisConnection;
  /** Default: the clock. Tests move it forward instead of sleeping. */
  now?: Date;
  signal?: AbortSignal;
  /** Redis key prefix of the audit throttle; tests pass their own. */
  prefix?: string;
}

/** One pass; resolves with what it did (also logged as one line), rejects when it had to stop early. */
export async function collectGarbage(
  deps: GcDeps,
  { redis, now = new Date(), signal = new AbortController().signal, prefix = 'airlock:' }: GcOptions,
): Promise<GcReport> {
  const started = performance.now();
  const pass = startPass(deps, now, signal);
  const auditKey = `${prefix}gc:audited`;
  const auditEveryMs = Math.min(MAX_AUDIT_INTERVAL_MS, deps.config.orphanGraceSeconds * 1000);
  try {
    // Expiry first, so the multipart sweep and retention see this pass's expired uploads.
    await expireUploads(pass);
    await purgeExpired(pass);
    await purgeRetained(pass);
    await abortAbandonedMultipart(pass);
    await sweepFinalLeftovers(pass);
    await removeSpoolLeftovers(pass);
    // The marker is set only once an audit finished without a failure: one that died, or
    // left something behind, runs again next pass.
    if (!signal.aborted && (await redis.exists(auditKey)) === 0) {
      const errorsBefore = pass.report.errors;
      await sweepStorage(pass);
      await reportMissingBytes(pass);
      if (!signal.aborted && pass.report.errors === errorsBefore) {
        pass.report.audited = true;
        await redis.set(auditKey, now.toISOString(), 'PX', auditEveryMs);
      }
    }
  } catch (error) {
    deps.logger.error({ ...pass.report, err: (error as Error).message, ms: Math.round(performance.now() - started) }, 'gc: pass failed');
    throw error;
  }
  const summary = { ...pass.report, ms: Math.round(performance.now() - started) };
  if (signal.aborted) deps.logger.info(summary, 'gc: pass interrupted by shutdown; the next one goes on');
  else if (summary.missingBytes > 0) deps.logger.error(summary, 'gc: pass done; complete files are missing their bytes');
  else deps.logger.info(summary, 'gc: pass done');
  return pass.report;
}
