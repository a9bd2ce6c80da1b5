import type { FailureReason, FileStatus } from './status.js';

export type ScanVerdict = 'clean' | 'infected' | 'error';

/** The latest scan of a file (every attempt is kept in the audit table). */
export interface ScanSummary {
  /** null: not scanned yet. `error`: the last attempt failed. */
  result: ScanVerdict | null;
  /** What was found, when `infected`. */
  signature: string | null;
  attempts: number;
  scannedAt: Date | null;
}

/** One scan attempt, as kept for audit. */
export interface ScanAttempt {
  fileId: string;
  attempt: number;
  result: ScanVerdict;
  signature: string | null;
  engineVersion: string | null;
  durationMs: number;
  detail: string | null;
  at: Date;
}

/** A scan attempt as the audit keeps it: with the SHA-256 of the bytes it read (null when they could not be read whole). */
export interface ScanAuditEntry extends ScanAttempt {
  sha256: string | null;
}

/** A file as the service knows it: one per upload, outliving the upload session. */
export interface FileRecord {
  id: string;
  ownerId: string;
  originalFilename: string | null;
  /** The type the client declared; informational, never trusted. */
  declaredType: string | null;
  sizeBytes: number | null;
  /** The type detected from the bytes by the pipeline. */
  mimeType: string | null;
  /** The SHA-256 the client declared (hex), if any. */
  expectedSha256: string | null;
  /** The SHA-256 of the scanned bytes (hex), once the pipeline computed it. */
  checksumSha256: string | null;
  scan: ScanSummary;
  status: FileStatus;
  failureReason: FailureReason | null;
  storagePath: string | null;
  /** Deleted by its owner (or an admin): hidden from the files API, kept for audit. */
  deletedAt: Date | null;
  /** When the bytes were removed (deletion or retention). */
  purgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The transfer's own state, beside the file's: `open` accepts bytes, `finished` has them
 * all, `aborted` will get no more (expired, terminated or rejected).
 */
export type UploadSessionStatus = 'open' | 'finished' | 'aborted';

/** A tus upload session: the resumable transfer of one file's bytes. */
export interface UploadSession {
  id: string;
  fileId: string;
  ownerId: string;
  /** null while the length is deferred (creation-defer-length). */
  totalSize: number | null;
  bytesReceived: number;
  chunkSize: number;
  status: UploadSessionStatus;
  /** tus concatenation: a `partial` upload's bytes become part of a `final` one. */
  concatRole: 'partial' | 'final' | null;
  /** A final upload's partial upload ids, in the order they were listed; null otherwise. */
  concatParts: string[] | null;
  /** The `Upload-Metadata` header given at creation (null when none, or for uploads older than it). */
  uploadMetadata: string | null;
  expiresAt: Date;
  lastActivityAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** An upload session joined with its file: what `GET /uploads/:id` reports. */
export interface UploadView {
  upload: UploadSession;
  file: FileRecord;
}
