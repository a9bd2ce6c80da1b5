import { TERMINAL_STATUSES, type FailureReason, type FileStatus, type ScanAttempt, type ScanVerdict } from '@airlock/core';
import { Counter, Histogram, type Registry } from 'prom-client';

const VERDICTS: readonly ScanVerdict[] = ['clean', 'infected', 'error'];
/** Upper bounds of the scan histogram in seconds (ClamAV: ~50 MiB/s per stream, 60 s timeout by default). */
const SCAN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What the database tells a process about the changes it made (structurally `DatabaseEvents` of @airlock/db). */
export interface LifecycleEvents {
  transitioned(to: FileStatus, reason: FailureReason | null): void;
  scanRecorded(attempt: ScanAttempt): void;
}

/**
 * The upload lifecycle as counters, counted when the change commits, in the process that
 * made it (API: finished, terminated, rejected at the first bytes, expired on access;
 * workers: the pipeline's outcomes, expiry by the janitor, scans). Every process exports
 * its own counts and Prometheus sums them, so N processes count each event exactly once
 * (a conditional change applies in one process only). Nothing is read at scrape time.
 */
export function lifecycleMetrics(registry: Registry): LifecycleEvents {
  const registers = [registry];
  const finished = new Counter({ name: 'airlock_uploads_finished_total', help: 'Uploads whose last byte arrived (file moved to assembling) in this process', registers });
  const terminated = new Counter({ name: 'airlock_uploads_terminated_total', help: 'Uploads and files ended by their owner (DELETE; failed/terminated) in this process', registers });
  const expired = new Counter({ name: 'airlock_uploads_expired_total', help: 'Uploads expired without a chunk for UPLOAD_EXPIRY_SECONDS (failed/expired) in this process', registers });
  const rejected = new Counter({ name: 'airlock_uploads_rejected_total', help: 'Uploads rejected for their type (at the first bytes or by the validator) in this process', registers });
  const terminal = new Counter({
    name: 'airlock_files_terminal_total',
    help: 'Files that reached a terminal status in this process, by status and failure reason (none when not failed)',
    labelNames: ['status', 'reason'] as const,
    registers,
  });
  const scans = new Histogram({
    name: 'airlock_scan_duration_seconds',
    help: 'Scan attempts recorded by this process (clamd INSTREAM with the SHA-256 pass), by result; _count is the number of scans',
    labelNames: ['result'] as const,
    buckets: SCAN_BUCKETS,
    registers,
  });
  // Every series exists from the start at 0: rate() and alerts need the zero before the first event.
  for (const status of TERMINAL_STATUSES) terminal.inc({ status, reason: 'none' }, 0);
  for (const result of VERDICTS) scans.zero({ result });

  return {
    transitioned(to, reason) {
      if (to === 'assembling') finished.inc();
      if (to === 'rejected') rejected.inc();
      if (to === 'failed' && reason === 'terminated') terminated.inc();
      if (to === 'failed' && reason === 'expired') expired.inc();
      if (TERMINAL_STATUSES.includes(to)) terminal.inc({ status: to, reason: reason ?? 'none' });
    },
    scanRecorded(attempt) {
      scans.observe({ result: attempt.result }, attempt.durationMs / 1000);
    },
  };
}
