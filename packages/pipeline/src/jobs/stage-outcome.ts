import type { FailureReason, FileStatus } from '@airlock/core';
import type { PipelineStage } from '@airlock/db';
import { isNotFound } from '@airlock/storage';
import type { WorkerDeps } from '../job-types.js';
import { settle } from '../settle.js';
import type { Logger } from '../logger.js';

/**
 * How a pipeline stage fails (issue #14):
 * - permanently (the bytes are gone, the record cannot be processed): the file ends at once,
 *   `failed` with a reason that says so; no retry can change the outcome;
 * - transiently (storage or database unavailable, a copy that did not verify): the job is
 *   retried with backoff, and once the stage's budget of attempts (counted in the database,
 *   across redeliveries and the reconciler's re-enqueues) is spent, the file ends `failed` /
 *   `pipeline_error`.
 */
export class PermanentFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

/** A storage error that no retry can cure: the object is not there. */
export function permanentIfMissing(error: unknown, what: string): unknown {
  return isNotFound(error) ? new PermanentFailure('bytes_missing', `${what}: the bytes are gone`, { cause: error }) : error;
}

type EndDeps = Pick<WorkerDeps, 'config' | 'db'>;

/**
 * Ends the file in `to` with `reason` (one conditional transition from a pipeline status, which
 * writes the webhook event with it); false when the file had already moved on (another delivery, a deletion).
 */
export async function endFile(deps: EndDeps, logger: Logger, fileId: string, to: 'failed' | 'scan_failed', reason: FailureReason | null): Promise<boolean> {
  if (!(await settle(deps.db, fileId, to, new Date(), { failureReason: reason }))) return false;
  // The transition wrote its outbox event in the same transaction: the notifier reports it.
  logger.warn({ fileId, status: to, reason }, 'pipeline: the file ended');
  return true;
}

export interface StageAttempt {
  /** This attempt's number (1 for the first), counted in the database. */
  attempt: number;
  /** Whether this is the last attempt the budget allows. */
  last: boolean;
}

/**
 * Counts one attempt of `stage` while the file is in `when`. null when there is nothing to do:
 * the file moved on, or the budget was already spent (then the file is ended here: an earlier
 * delivery failed its last attempt and died before ending it).
 */
export async function beginAttempt(deps: EndDeps, logger: Logger, fileId: string, stage: PipelineStage, when: FileStatus): Promise<StageAttempt | null> {
  const attempt = await deps.db.files.countAttempt(fileId, stage, when);
  if (attempt === null) return null;
  const budget = deps.config.stageMaxAttempts;
  if (attempt > budget) {
    await endFile(deps, logger, fileId, 'failed', 'pipeline_error');
    return null;
  }
  return { attempt, last: attempt >= budget };
}

/**
 * What a stage does with an error of attempt `attempt`: a permanent failure ends the file at
 * once; a transient one on the last attempt ends it `failed` / `pipeline_error`; otherwise the
 * error is thrown again for BullMQ to retry with backoff. Resolves true when this call ended
 * the file, false when it had already moved on.
 */
export async function failAttempt(
  deps: EndDeps,
  logger: Logger,
  fileId: string,
  stage: PipelineStage,
  attempt: StageAttempt,
  error: unknown,
): Promise<boolean> {
  if (error instanceof PermanentFailure) {
    logger.warn({ fileId, stage, reason: error.reason, err: error.message }, `${stage}: permanent failure`);
    return endFile(deps, logger, fileId, 'failed', error.reason);
  }
  if (attempt.last) {
    logger.warn({ fileId, stage, attempts: attempt.attempt, err: (error as Error).message }, `${stage}: budget spent, giving up`);
    return endFile(deps, logger, fileId, 'failed', 'pipeline_error');
  }
  throw error;
}
