import type { FailureReason, FileStatus } from '@airlock/core';
import { Counter, type Registry } from 'prom-client';

/** What the database tells a process about the changes it made (structurally `DatabaseEvents` of @airlock/db). */
export interface LifecycleEvents {
  transitioned(to: FileStatus, reason: FailureReason | null): void;
}

/**
 * The upload lifecycle as counters, counted when the change commits, in the process that
 * made it (API: finished, terminated, rejected at the first bytes, expired on access;
 * workers: rejected by the validator, expired by the janitor). Every process exports its own
 * counts and Prometheus sums them: a conditional change applies in one process only, so N
 * processes count each event exactly once. Nothing is read at scrape time.
 */
export function lifecycleMetrics(registry: Registry): LifecycleEvents {
  const registers = [registry];
  const finished = new Counter({
    name: 'airlock_uploads_finished_total',
    help: 'Uploads whose last byte arrived (file moved to assembling) in this process',
    registers,
  });
  const terminated = new Counter({
    name: 'airlock_uploads_terminated_total',
    help: 'Uploads and files ended by their owner (DELETE; failed/terminated) in this process',
    registers,
  });
  const expired = new Counter({
    name: 'airlock_uploads_expired_total',
    help: 'Uploads expired without a chunk for UPLOAD_EXPIRY_SECONDS (failed/expired) in this process',
    registers,
  });
  const rejected = new Counter({
    name: 'airlock_uploads_rejected_total',
    help: 'Uploads rejected for their type (at the first bytes or by the validator) in this process',
    registers,
  });
  return {
    transitioned(to, reason) {
      if (to === 'assembling') finished.inc();
      if (to === 'rejected') rejected.inc();
      if (to === 'failed' && reason === 'terminated') terminated.inc();
      if (to === 'failed' && reason === 'expired') expired.inc();
    },
  };
}
