import {
  type FailureReason,
  FAILURE_REASONS,
  type FileRecord,
  type FileStatus,
  type ScanVerdict,
  isFileStatus,
  type UploadSessionStatus,
  type UploadView,
} from '@airlock/core';
import type { File, UploadSession } from './generated/sqlite/client.js';

/**
 * Conversions at the package boundary: Prisma rows (BigInt sizes, free-text status
 * columns) in, core types out. Nothing Prisma-typed leaves this package.
 */

/**
 * Integer column → JS number: Prisma reads BIGINT as BigInt, the SqlRunner as number (and
 * PostgreSQL's COUNT as text parsed to number). Sizes are far below 2^53; anything larger is corrupt data.
 */
export function toNumber(value: bigint | number): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new RangeError(`Value ${value} does not fit a JS number`);
  return number;
}

export function toNullableNumber(value: bigint | number | null): number | null {
  return value === null ? null : toNumber(value);
}

/** JS number → BigInt column; rejects fractions instead of letting BigInt() throw obscurely. */
export function toBigInt(value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new RangeError(`Not a safe integer: ${value}`);
  return BigInt(value);
}

export function toNullableBigInt(value: number | null): bigint | null {
  return value === null ? null : toBigInt(value);
}

function toStatus(value: string): FileStatus {
  // A status outside the state machine means the row was written by something else:
  // fail loudly rather than let an unknown status flow through the service.
  if (!isFileStatus(value)) throw new Error(`Unknown file status in database: ${value}`);
  return value;
}

function toFailureReason(value: string | null): FailureReason | null {
  if (value === null) return null;
  if (!(FAILURE_REASONS as readonly string[]).includes(value)) {
    throw new Error(`Unknown failure reason in database: ${value}`);
  }
  return value as FailureReason;
}

const VERDICTS: readonly string[] = ['clean', 'infected', 'error'] satisfies ScanVerdict[];

export function toVerdict(value: string | null): ScanVerdict | null {
  if (value === null) return null;
  if (!VERDICTS.includes(value)) throw new Error(`Unknown scan result in database: ${value}`);
  return value as ScanVerdict;
}

const SESSION_STATUSES: readonly string[] = ['open', 'finished', 'aborted'] satisfies UploadSessionStatus[];

function toSessionStatus(value: string): UploadSessionStatus {
  if (!SESSION_STATUSES.includes(value)) throw new Error(`Unknown upload session status in database: ${value}`);
  return value as UploadSessionStatus;
}

/**
 * A row as Prisma reads it, or as the SqlRunner reads it (upload.rows.ts): integers may be
 * numbers instead of BigInt, so either maps without a round trip through BigInt.
 */
export type Loose<T> = { [K in keyof T]: T[K] extends bigint ? bigint | number : T[K] extends bigint | null ? bigint | number | null : T[K] };

export function toFileRecord(row: Loose<File>): FileRecord {
  return {
    id: row.id,
    ownerId: row.ownerId,
    originalFilename: row.originalFilename,
    declaredType: row.declaredType,
    sizeBytes: toNullableNumber(row.sizeBytes),
    mimeType: row.mimeType,
    expectedSha256: row.expectedSha256,
    checksumSha256: row.checksumSha256,
    scan: {
      result: toVerdict(row.scanResult),
      signature: row.scanSignature,
      attempts: row.scanAttempts,
      scannedAt: row.scannedAt,
    },
    status: toStatus(row.status),
    failureReason: toFailureReason(row.failureReason),
    storagePath: row.storagePath,
    deletedAt: row.deletedAt,
    purgedAt: row.purgedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toUploadView(session: Loose<UploadSession>, fileRow: Loose<File>): UploadView {
  const file = toFileRecord(fileRow);
  return {
    upload: {
      id: session.id,
      fileId: session.fileId,
      ownerId: session.ownerId,
      totalSize: toNullableNumber(session.totalSize),
      bytesReceived: toNumber(session.bytesReceived),
      chunkSize: session.chunkSize,
      status: toSessionStatus(session.status),
      concatRole: session.concatRole === 'partial' || session.concatRole === 'final' ? session.concatRole : null,
      concatParts: session.concatParts ? session.concatParts.split(' ') : null,
      uploadMetadata: session.uploadMetadata,
      expiresAt: session.expiresAt,
      lastActivityAt: session.lastActivityAt,
      createdAt: session.createdAt,
      updatedAt: session.updatedAt,
    },
    file,
  };
}
