import type { FailureReason, FileRecord, FileStatus, ScanAttempt, ScanAuditEntry, UploadView } from '@airlock/core';
import type { StatsRepository } from './stats.repository.js';
import type { MaintenanceRepository } from './maintenance.repository.js';
import type { OutboxRepository } from './outbox.repository.js';

/**
 * The database as the rest of the service sees it. Prisma types never leave this
 * package: every method takes and returns plain values and the core types.
 *
 * Every status change is conditional ("from the statuses `allowedSources(to)` of
 * @airlock/core, to `to`") and reports whether it applied, so racing requests and
 * re-delivered jobs cannot move a row twice or backwards. A terminal change that applied
 * writes its outbox event (see outbox.repository.ts) in the same transaction; one that did
 * not apply writes nothing.
 */

export interface NewUpload {
  uploadId: string;
  fileId: string;
  ownerId: string;
  originalFilename: string | null;
  /** The type the client declared (metadata `filetype`); informational only. */
  declaredType: string | null;
  /** Client-declared SHA-256 of the whole file (hex, lower case), verified by the pipeline. */
  expectedSha256: string | null;
  /** null while the length is deferred. */
  totalSize: number | null;
  chunkSize: number;
  expiresAt: Date;
  now: Date;
  /** Bytes to reserve in the owner's quota, atomically with the creation (QuotaExceededError). */
  reserveBytes: number;
  /** The quota of a user without an override (QUOTA_BYTES). */
  defaultQuota: number;
  /** tus concatenation role; a `partial` upload is hidden from the files API. */
  concatRole?: 'partial' | 'final' | null;
  /** A final upload's partial upload ids, in order (repeats kept). */
  concatParts?: string[];
  /** The creation's `Upload-Metadata` header, kept for HEAD after the upload finished. */
  uploadMetadata?: string | null;
  /** The owner may have at most this many open uploads, this one included (TooManyOpenUploadsError). */
  maxOpenUploads?: number;
}

export interface ChunkProgress {
  /** The upload's offset after the chunk: bytes durably in quarantine. */
  bytesReceived: number;
  at: Date;
  expiresAt: Date;
}

export interface FilePatch {
  failureReason?: FailureReason | null;
  mimeType?: string | null;
  checksumSha256?: string | null;
  storagePath?: string | null;
  sizeBytes?: number | null;
}

export interface UploadRepository {
  /** Creates the file (`pending`) and its open upload session in one transaction. Throws on a duplicate id. */
  create(input: NewUpload): Promise<UploadView>;
  /** null when there is no such upload. */
  find(uploadId: string): Promise<UploadView | null>;
  /**
   * Undoes a creation whose request failed (the client never learnt the upload's URL): the
   * file row and its session are deleted and the reservation released, in one transaction.
   * Only while the session is open or aborted (a creation refused at the door), never once it
   * finished; false (nothing changed) otherwise.
   */
  discardCreated(uploadId: string): Promise<boolean>;
  /**
   * Creates a `final` upload from finished `partial` ones, in one transaction: the final takes
   * over the partials' quota reservations, so they count once (a partial listed several times
   * is taken over once; `input.reserveBytes` reserves what its repetitions add); the partial sessions are aborted and their files become `failed` /
   * `terminated` and hidden. Throws ConcatenationError (nothing changed) when a partial is
   * missing, not the owner's, not partial, not open or not complete.
   */
  concatenate(input: NewUpload, partialIds: string[]): Promise<UploadView>;
  /** The upload of a file; null when there is none. */
  findByFile(fileId: string): Promise<UploadView | null>;
  /**
   * Records an accepted chunk while the session is open: `bytes_received` only grows
   * (a stale, smaller offset never lowers it), `last_activity_at` and `expires_at` move,
   * and a `pending` file becomes `uploading` once bytesReceived > 0. Returns the new view,
   * or null when the session is no longer open (nothing changed).
   *
   * `known`: the upload as the caller read it under the upload lock. The new view is then
   * made from it and the writes instead of being read again, and the file's status is only
   * written when `known` says it is still `pending` (issue #15: fewer statements per chunk).
   */
  recordChunk(uploadId: string, progress: ChunkProgress, known?: UploadView): Promise<UploadView | null>;
  /**
   * Grows the file's reservation to `totalBytes` (a deferred-length upload as its bytes
   * arrive); no-op when it already holds that much. Throws QuotaExceededError when the
   * owner's quota does not allow it, changing nothing. false (nothing reserved) when the
   * session is no longer open: checked in the reservation's own transaction, so a reservation
   * racing a DELETE or the upload's finish is either released by it or never made.
   */
  reserveUpTo(uploadId: string, totalBytes: number, defaultQuota: number, at: Date): Promise<boolean>;
  /** Sets a deferred length once; false when it was already set or the session is not open. */
  declareLength(uploadId: string, totalSize: number, at: Date): Promise<boolean>;
  /**
   * The last byte arrived: session open → finished, file pending|uploading → assembling with
   * size_bytes = bytesReceived, in one transaction. false (nothing changed) when the session
   * was not open or the file was not in an expected status.
   */
  finish(uploadId: string, bytesReceived: number, at: Date): Promise<boolean>;
  /**
   * Ends an upload that will receive no more bytes: session → aborted, file → `to`
   * (conditional, see FileRepository.transition), its quota reservation released and its
   * outbox event written, in one transaction. false when nothing changed.
   */
  abort(uploadId: string, to: 'failed' | 'rejected', reason: FailureReason | null, at: Date): Promise<boolean>;
}

export interface FileQuery {
  /** Only this owner's files; all owners when undefined (admin). */
  ownerId?: string;
  status?: FileStatus;
  /** 1..1000. */
  limit: number;
  /** From a previous page's `nextCursor`; an invalid cursor throws InvalidCursorError. */
  cursor?: string;
  /** Deleted files too (admin audit); false unless given. */
  includeDeleted?: boolean;
}

export interface FilePage {
  items: FileRecord[];
  /** null on the last page. */
  nextCursor: string | null;
}

export interface FileRepository {
  find(fileId: string): Promise<FileRecord | null>;
  /**
   * Moves a file to `to` from any status allowed by the state machine, applying `patch` in
   * the same update. false (nothing changed) when the file is missing or its status does not
   * allow the move. A terminal move settles the quota in the same transaction (the
   * reservation is released, and a `complete` file's size counts as stored) and writes the
   * move's outbox event there too.
   */
  transition(fileId: string, to: FileStatus, at: Date, patch?: FilePatch): Promise<boolean>;
  /**
   * Applies `patch` only while the file is in status `when` (no status change). false when
   * the file is missing or has moved on.
   */
  update(fileId: string, when: FileStatus, at: Date, patch: FilePatch): Promise<boolean>;
  /**
   * Keeps a scan attempt for audit, always; and, while the file is `scanning`, makes it the
   * file's scan summary (result, signature, attempts, scanned_at), with `checksumSha256`
   * when given, in the same transaction. `checksumSha256` (the bytes the attempt read) is
   * kept in the audit row as well. Returns whether the summary was updated.
   */
  recordScan(attempt: ScanAttempt, checksumSha256: string | null): Promise<boolean>;
  /** Every scan attempt of a file, oldest first, each with the SHA-256 it recorded. */
  listScans(fileId: string): Promise<ScanAuditEntry[]>;
  /** Files not deleted (unless `includeDeleted`), newest first, paged by an opaque cursor. */
  list(query: FileQuery): Promise<FilePage>;
  /**
   * Hides a terminal file from the files API, once; a complete file's bytes stop counting
   * against the quota in the same transaction. false (nothing changed) when the file is
   * missing, already deleted, or not terminal yet: end its upload or pipeline run first.
   */
  markDeleted(fileId: string, at: Date): Promise<boolean>;
  /** Records that the bytes are gone (once); false when missing or already purged. */
  markPurged(fileId: string, at: Date): Promise<boolean>;
  /**
   * Counts one more attempt of a pipeline stage while the file is in status `when`, and
   * returns the attempts counted so far (this one included); null (nothing counted) when the
   * file is missing or has moved on. Counted in the database, so a budget holds across
   * redeliveries, re-enqueues and worker crashes.
   */
  countAttempt(fileId: string, stage: PipelineStage, when: FileStatus): Promise<number | null>;
  /**
   * Files in one of `statuses` whose `updated_at` is older than `before` and that were not
   * re-enqueued since `before`: never re-enqueued first (oldest `updated_at` first), then the
   * least recently re-enqueued, so a file that keeps coming back goes to the back of the line.
   */
  listStale(statuses: readonly FileStatus[], before: Date, limit: number): Promise<FileRecord[]>;
  /** Records that the reconciler re-enqueued these files at `at` (moves them to the back of listStale). */
  markReconciled(fileIds: readonly string[], at: Date): Promise<void>;
}

/** The stages that count their attempts in `countAttempt` (the scan counts its own, with each audit row). */
export type PipelineStage = 'validate' | 'promote';

export interface QuotaUsage {
  /** The user's override, or null for the configured default. */
  quotaBytes: number | null;
  usedBytes: number;
  reservedBytes: number;
}

export interface UserRepository {
  /** A user never seen has no override and nothing used or reserved. */
  usage(userId: string): Promise<QuotaUsage>;
  /** Sets (or with null, removes) a user's quota override. */
  setQuota(userId: string, quotaBytes: number | null, at: Date): Promise<void>;
}

/**
 * Told after a change committed, in the process that made it (each process counts its own
 * changes, so summing the processes' counters gives the service's: GET /metrics). Called
 * synchronously; it must not throw.
 */
export interface DatabaseEvents {
  /** A file moved to `to` (this process's conditional change applied). */
  transitioned?(to: FileStatus, reason: FailureReason | null): void;
}

export interface Database {
  readonly provider: 'sqlite' | 'postgresql';
  readonly users: UserRepository;
  readonly uploads: UploadRepository;
  readonly files: FileRepository;
  readonly stats: StatsRepository;
  /** What garbage collection reads (expiry, retention, orphans). */
  readonly maintenance: MaintenanceRepository;
  /** Terminal events waiting for (or past) their webhook delivery. */
  readonly outbox: OutboxRepository;
  /**
   * SQL statements sent so far by this process (BEGIN and COMMIT included):
   * `airlock_db_statements_total`. Optional so that a test's hand-made Database need not count.
   */
  statementCount?(): number;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
