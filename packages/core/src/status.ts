/**
 * The upload/file lifecycle (contract section 4). This module is the only place that
 * knows which status may follow which; every status change in the database is a
 * conditional update "from one of these, to that", so racing requests cannot corrupt it.
 */
export const FILE_STATUSES = ['pending', 'uploading', 'assembling', 'scanning', 'complete', 'quarantined', 'rejected', 'scan_failed', 'failed'] as const;

export type FileStatus = (typeof FILE_STATUSES)[number];

export const TERMINAL_STATUSES: readonly FileStatus[] = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * Why a file ended without being complete:
 * - `failed`: `expired`, `terminated`, `checksum_mismatch`; `bytes_missing` (its bytes were
 *   gone when a pipeline stage needed them: a permanent failure, ended at once);
 *   `invalid_record` (its row lacks what the stage needs, e.g. no upload session or no size);
 *   `pipeline_error` (validation or promotion failed STAGE_MAX_ATTEMPTS times).
 * - `scan_failed`: `test_signatures_only` (clamd had only test signatures while they are not
 *   allowed, so no scan could have called it clean); null when every scan attempt failed.
 */
export const FAILURE_REASONS = [
  'expired',
  'terminated',
  'checksum_mismatch',
  'test_signatures_only',
  'bytes_missing',
  'invalid_record',
  'pipeline_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * Allowed transitions. `failed` and `rejected` are reachable from every non-terminal
 * status: a client may terminate, an upload may expire, and a type check may reject at
 * any point before the file is complete.
 */
const TRANSITIONS: Record<FileStatus, readonly FileStatus[]> = {
  pending: ['uploading', 'assembling', 'rejected', 'failed'],
  uploading: ['assembling', 'rejected', 'failed'],
  assembling: ['scanning', 'rejected', 'failed'],
  scanning: ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'],
  complete: [],
  quarantined: [],
  rejected: [],
  scan_failed: [],
  failed: [],
};

export function isFileStatus(value: unknown): value is FileStatus {
  return typeof value === 'string' && (FILE_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: FileStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: FileStatus, to: FileStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a file may be in for a change to `to` to be allowed. */
export function allowedSources(to: FileStatus): FileStatus[] {
  return FILE_STATUSES.filter((from) => canTransition(from, to));
}

/** Statuses in which the client may still send bytes. */
export const OPEN_STATUSES: readonly FileStatus[] = ['pending', 'uploading'];

/**
 * Evidence: files the service refused (malware found, a type not allowed, a scan that never
 * succeeded). Deleting one hides it from its owner (404, gone from their listing) but keeps
 * the row and the bytes for forensics until QUARANTINE_RETENTION_SECONDS ends; admins still
 * see it. Any other file's bytes go when it is deleted.
 */
export const EVIDENCE_STATUSES: readonly FileStatus[] = ['quarantined', 'rejected', 'scan_failed'];

export function isEvidence(status: FileStatus): boolean {
  return EVIDENCE_STATUSES.includes(status);
}
