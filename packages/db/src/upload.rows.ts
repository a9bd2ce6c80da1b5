import type { UploadView } from '@airlock/core';
import type { File, UploadSession } from './generated/sqlite/client.js';
import { toUploadView, type Loose } from './record.mapper.js';
import { toDate, toNullableDate } from './sql-runner.js';

/** A file's columns as UPLOAD_VIEW_SQL and FILE_SQL read them (`f_` where a session column has the name). */
export interface FileRow {
  file_id: string;
  f_owner_id: string;
  original_filename: string | null;
  declared_type: string | null;
  size_bytes: number | null;
  mime_type: string | null;
  expected_sha256: string | null;
  checksum_sha256: string | null;
  f_status: string;
  failure_reason: string | null;
  storage_path: string | null;
  scan_result: string | null;
  scan_signature: string | null;
  scan_attempts: number;
  scanned_at: unknown;
  deleted_at: unknown;
  purged_at: unknown;
  reserved_bytes: number;
  validate_attempts: number;
  promote_attempts: number;
  reconciled_at: unknown;
  f_created_at: unknown;
  f_updated_at: unknown;
}

/** An upload session and its file in one row, as UPLOAD_VIEW_SQL reads them. */
export interface UploadViewRow extends FileRow {
  id: string;
  owner_id: string;
  total_size: number | null;
  bytes_received: number;
  chunk_size: number;
  status: string;
  concat_role: string | null;
  concat_parts: string | null;
  upload_metadata: string | null;
  expires_at: unknown;
  last_activity_at: unknown;
  created_at: unknown;
  updated_at: unknown;
}

const FILE_COLUMNS = `f.owner_id AS f_owner_id, f.original_filename, f.declared_type, f.size_bytes, f.mime_type, f.expected_sha256, f.checksum_sha256,
  f.status AS f_status, f.failure_reason, f.storage_path, f.scan_result, f.scan_signature, f.scan_attempts, f.scanned_at, f.deleted_at,
  f.purged_at, f.reserved_bytes, f.validate_attempts, f.promote_attempts, f.reconciled_at, f.created_at AS f_created_at, f.updated_at AS f_updated_at`;

const UPLOAD_VIEW_SELECT = `SELECT s.id, s.file_id, s.owner_id, s.total_size, s.bytes_received, s.chunk_size, s.status, s.concat_role,
  s.concat_parts, s.upload_metadata, s.expires_at, s.last_activity_at, s.created_at, s.updated_at,
  ${FILE_COLUMNS}
FROM upload_sessions s JOIN files f ON f.id = s.file_id`;

/**
 * One upload and its file, by upload id: one SELECT (Prisma's `include` made it two).
 *
 * The id is compared as `CAST(? AS TEXT)`, not a bare `?`: SQLite 3.54 (better-sqlite3 13) prepares
 * this join again each time a new value is bound to a bare parameter in its WHERE clause, so every
 * call cost a compilation of the 36-column join, 30–50 µs on the API's event loop against 3–5 µs
 * (issue #15). Same plan (both primary keys), same rows; PostgreSQL reads it as the same `$1`.
 */
export const UPLOAD_VIEW_SQL = `${UPLOAD_VIEW_SELECT} WHERE s.id = CAST(? AS TEXT)`;

/** The upload of a file, by file id (the session's unique `file_id`), the same way. */
export const UPLOAD_BY_FILE_SQL = `${UPLOAD_VIEW_SELECT} WHERE s.file_id = CAST(? AS TEXT)`;

/** One file, by id, whether or not it came from an upload session. */
export const FILE_SQL = `SELECT f.id AS file_id, ${FILE_COLUMNS} FROM files f WHERE f.id = ?`;

/** The row as the core types, through the same mapper and checks as Prisma's rows (record.mapper.ts). */
export function toUploadViewFromRow(row: UploadViewRow): UploadView {
  const session: Loose<UploadSession> = {
    id: row.id,
    fileId: row.file_id,
    ownerId: row.owner_id,
    totalSize: row.total_size,
    bytesReceived: row.bytes_received,
    chunkSize: row.chunk_size,
    status: row.status,
    concatRole: row.concat_role,
    concatParts: row.concat_parts,
    uploadMetadata: row.upload_metadata,
    expiresAt: toDate(row.expires_at),
    lastActivityAt: toDate(row.last_activity_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
  return toUploadView(session, toFileFromRow(row));
}

/** A file's columns as the Prisma row the mappers take (record.mapper.ts). */
export function toFileFromRow(row: FileRow): Loose<File> {
  return {
    id: row.file_id,
    ownerId: row.f_owner_id,
    originalFilename: row.original_filename,
    declaredType: row.declared_type,
    sizeBytes: row.size_bytes,
    mimeType: row.mime_type,
    expectedSha256: row.expected_sha256,
    checksumSha256: row.checksum_sha256,
    status: row.f_status,
    failureReason: row.failure_reason,
    storagePath: row.storage_path,
    scanResult: row.scan_result,
    scanSignature: row.scan_signature,
    scanAttempts: row.scan_attempts,
    scannedAt: toNullableDate(row.scanned_at),
    deletedAt: toNullableDate(row.deleted_at),
    purgedAt: toNullableDate(row.purged_at),
    reservedBytes: row.reserved_bytes,
    validateAttempts: row.validate_attempts,
    promoteAttempts: row.promote_attempts,
    reconciledAt: toNullableDate(row.reconciled_at),
    createdAt: toDate(row.f_created_at),
    updatedAt: toDate(row.f_updated_at),
  };
}
