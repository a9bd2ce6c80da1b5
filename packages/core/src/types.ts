import type { FailureReason, FileStatus } from './status.js';

/** A file as the service knows it: one per upload, outliving the upload session. */
export interface FileRecord {
  id: string;
  ownerId: string;
  originalFilename: string | null;
  sizeBytes: number | null;
  mimeType: string | null;
  /** Client-declared SHA-256 (hex) until the pipeline verifies it. */
  checksumSha256: string | null;
  status: FileStatus;
  failureReason: FailureReason | null;
  storagePath: string | null;
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
