import type { FileItem, FileStatus } from './api.js';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as the quota is counted). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export const STATUS_LABEL: Record<FileStatus, string> = {
  pending: 'Waiting',
  uploading: 'Uploading',
  assembling: 'Assembling',
  scanning: 'Scanning',
  complete: 'Complete',
  quarantined: 'Quarantined',
  rejected: 'Rejected',
  scan_failed: 'Scan failed',
  failed: 'Failed',
};

/** Why a file is `failed`, by `failure_reason` (FAILURE_REASONS of @airlock/core). */
const FAILED_NOTES: Record<string, string> = {
  expired: 'The upload expired.',
  terminated: 'The upload was stopped.',
  checksum_mismatch: 'The bytes did not match the checksum sent with the upload.',
  bytes_missing: 'The uploaded bytes were lost before the file could be checked. Please upload it again.',
  invalid_record: 'The upload could not be processed. Please upload it again.',
  pipeline_error: 'Processing failed after several attempts. Please upload it again.',
};

/** One line on why a file is not downloadable, or null. */
export function statusNote(file: FileItem): string | null {
  switch (file.status) {
    case 'quarantined':
      return `Malware found${file.scan.signature ? `: ${file.scan.signature}` : ''}. The file stays in quarantine.`;
    case 'rejected':
      return `This type${file.mime_type ? ` (${file.mime_type})` : ''} is not accepted.`;
    case 'scan_failed':
      return file.failure_reason === 'test_signatures_only'
        ? 'The scanner has no real signature database, so the file could not be called clean.'
        : 'The malware scan failed after every attempt.';
    case 'failed':
      return FAILED_NOTES[file.failure_reason ?? ''] ?? 'The upload was stopped.';
    default:
      return null;
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** Today: the time only ("3:17 PM"); before: the day ("Nov 27, 2026"). */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}
