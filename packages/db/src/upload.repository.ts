import { allowedSources, type FailureReason, type FileStatus, type UploadSessionStatus, type UploadView } from '@airlock/core';
import type { LazyPrisma } from './prisma-client.js';
import { prismaSql } from './prisma-sql.js';
import { placeholders, type SqlRunner } from './sql-runner.js';
import { toUploadViewFromRow, UPLOAD_BY_FILE_SQL, UPLOAD_VIEW_SQL, type UploadViewRow } from './upload.rows.js';
import { absorbPartials } from './concatenation.js';
import { recordTerminalEvent } from './outbox.repository.js';
import { reserve, settle, TooManyOpenUploadsError } from './quota.js';
import { countTerminal } from './stats.repository.js';
import { toBigInt, toNumber, toUploadView } from './record.mapper.js';
import type { ChunkProgress, DatabaseEvents, NewUpload, UploadRepository } from './repositories.js';

/** Only an `open` session accepts bytes or changes. */
const OPEN: UploadSessionStatus = 'open';

/** Thrown inside a transaction to roll back its earlier writes; never escapes this file. */
class RolledBack extends Error {}

/** `status IN (…)` of the statuses a file may move to `to` from, with their values. */
function fromStatuses(to: FileStatus): { sql: string; values: FileStatus[] } {
  const values = allowedSources(to);
  return { sql: `status IN (${placeholders(values)})`, values };
}
const TO_UPLOADING = fromStatuses('uploading');
const TO_ASSEMBLING = fromStatuses('assembling');

/**
 * The statements of every upload (create, find, recordChunk, finish) and the lookup by file are
 * plain SQL on the SqlRunner (issue #15); the rest goes through Prisma. Both write the same formats (sql-runner.ts).
 */
export class PrismaUploadRepository implements UploadRepository {
  constructor(
    private readonly prisma: LazyPrisma,
    private readonly sql: SqlRunner,
    private readonly events: DatabaseEvents = {},
  ) {}

  async create(input: NewUpload): Promise<UploadView> {
    return this.sql.transaction(async (sql) => {
      // The reservation first (a write, and the quota check): over quota, nothing is created.
      // It also takes the owner's row lock, so the count below is exact under concurrency.
      await reserve(sql, input.ownerId, input.reserveBytes, input.defaultQuota, input.now);
      if (input.maxOpenUploads !== undefined) {
        const [row] = await sql.rows<{ n: number | bigint }>('SELECT COUNT(*) AS n FROM upload_sessions WHERE owner_id = ? AND status = ?', [
          input.ownerId,
          OPEN,
        ]);
        if (toNumber(row?.n ?? 0) >= input.maxOpenUploads) throw new TooManyOpenUploadsError(input.maxOpenUploads);
      }
      return insertUpload(sql, input, input.reserveBytes, input.concatRole ?? null);
    });
  }

  async find(uploadId: string): Promise<UploadView | null> {
    const [row] = await this.sql.rows<UploadViewRow>(UPLOAD_VIEW_SQL, [uploadId]);
    return row ? toUploadViewFromRow(row) : null;
  }

  async discardCreated(uploadId: string): Promise<boolean> {
    const prisma = await this.prisma();
    return prisma.$transaction(async (tx) => {
      // A write first (SQLite's write lock), conditional: never a finished upload (its file is in the pipeline).
      const session = await tx.uploadSession.updateMany({ where: { id: uploadId, status: { in: [OPEN, 'aborted'] } }, data: { status: 'aborted' } });
      if (session.count === 0) return false;
      const { fileId } = await tx.uploadSession.findUniqueOrThrow({ where: { id: uploadId }, select: { fileId: true } });
      await settle(tx, fileId, 'released', new Date());
      // The session goes with its file (ON DELETE CASCADE).
      await tx.file.delete({ where: { id: fileId } });
      return true;
    });
  }

  async concatenate(input: NewUpload, partialIds: string[]): Promise<UploadView> {
    const prisma = await this.prisma();
    return prisma.$transaction(async (tx) => {
      const created = await insertUpload(prismaSql(tx), input, 0, 'final');
      // A partial listed several times (tus: the client MAY) is taken over once; the bytes it
      // adds again are `input.reserveBytes`, reserved here against the quota.
      const takenOver = await absorbPartials(tx, input.ownerId, [...new Set(partialIds)], created.file.id, input.now);
      if (input.reserveBytes > 0) {
        await reserve(prismaSql(tx), input.ownerId, input.reserveBytes, input.defaultQuota, input.now);
        await tx.file.update({ where: { id: created.file.id }, data: { reservedBytes: takenOver + toBigInt(input.reserveBytes) } });
      }
      const session = await tx.uploadSession.findUniqueOrThrow({ where: { id: input.uploadId }, include: { file: true } });
      return toUploadView(session, session.file);
    });
  }

  async findByFile(fileId: string): Promise<UploadView | null> {
    const [row] = await this.sql.rows<UploadViewRow>(UPLOAD_BY_FILE_SQL, [fileId]);
    return row === undefined ? null : toUploadViewFromRow(row);
  }

  async recordChunk(uploadId: string, progress: ChunkProgress, known?: UploadView): Promise<UploadView | null> {
    const { bytesReceived, at, expiresAt } = progress;
    // GREATEST(bytes_received, new) as a conditional update: a stale, smaller offset (a
    // late retry) fails the guard and only refreshes the activity timestamps below.
    const grown = await this.sql.run(
      'UPDATE upload_sessions SET bytes_received = ?, last_activity_at = ?, expires_at = ?, updated_at = ? WHERE id = ? AND status = ? AND bytes_received <= ?',
      [bytesReceived, at, expiresAt, at, uploadId, OPEN, bytesReceived],
    );
    if (grown === 0) {
      const touched = await this.sql.run('UPDATE upload_sessions SET last_activity_at = ?, expires_at = ?, updated_at = ? WHERE id = ? AND status = ?', [
        at,
        expiresAt,
        at,
        uploadId,
        OPEN,
      ]);
      if (touched === 0) return null;
    }
    if (known) return this.recorded(known, progress, grown === 1);
    // pending → uploading once bytes arrived; conditional like every transition, so it is
    // a no-op after the first chunk (or when the file has already moved on).
    await this.sql.run(
      `UPDATE files SET status = ?, updated_at = ? WHERE id = (SELECT file_id FROM upload_sessions WHERE id = ? AND bytes_received > 0) AND ${TO_UPLOADING.sql}`,
      ['uploading', at, uploadId, ...TO_UPLOADING.values],
    );
    return this.find(uploadId);
  }

  /**
   * recordChunk with what the caller knows: the file's transition only while `pending`, no
   * re-read. A chunk that completes an upload (not a partial one) leaves the file `pending`:
   * `finish` takes it straight to `assembling` next (pending → assembling is allowed), so the
   * intermediate `uploading` would be written only to be overwritten.
   */
  private async recorded(known: UploadView, progress: ChunkProgress, grown: boolean): Promise<UploadView> {
    const bytesReceived = grown ? progress.bytesReceived : known.upload.bytesReceived;
    const completes = bytesReceived === known.upload.totalSize && known.upload.concatRole !== 'partial';
    let file = known.file;
    if (file.status === 'pending' && bytesReceived > 0 && !completes) {
      const moved = await this.sql.run(`UPDATE files SET status = ?, updated_at = ? WHERE id = ? AND ${TO_UPLOADING.sql}`, [
        'uploading',
        progress.at,
        file.id,
        ...TO_UPLOADING.values,
      ]);
      if (moved === 1) file = { ...file, status: 'uploading', updatedAt: progress.at };
    }
    const upload = { ...known.upload, bytesReceived, lastActivityAt: progress.at, expiresAt: progress.expiresAt, updatedAt: progress.at };
    return { upload, file };
  }

  async declareLength(uploadId: string, totalSize: number, at: Date): Promise<boolean> {
    const prisma = await this.prisma();
    const { count } = await prisma.uploadSession.updateMany({
      where: { id: uploadId, status: OPEN, totalSize: null },
      data: { totalSize: toBigInt(totalSize), updatedAt: at },
    });
    return count === 1;
  }

  async finish(uploadId: string, bytesReceived: number, at: Date): Promise<boolean> {
    const finished = await unlessRolledBack(
      this.sql.transaction((sql) =>
        closeSession(sql, uploadId, at, 'finished', bytesReceived, () =>
          sql.run(
            `UPDATE files SET status = ?, size_bytes = ?, updated_at = ? WHERE id = (SELECT file_id FROM upload_sessions WHERE id = ?) AND ${TO_ASSEMBLING.sql}`,
            ['assembling', bytesReceived, at, uploadId, ...TO_ASSEMBLING.values],
          ),
        ),
      ),
    );
    if (finished) this.events.transitioned?.('assembling', null);
    return finished;
  }

  async abort(uploadId: string, to: 'failed' | 'rejected', reason: FailureReason | null, at: Date): Promise<boolean> {
    const prisma = await this.prisma();
    const aborted = await unlessRolledBack(
      prisma.$transaction((tx) =>
        closeSession(prismaSql(tx), uploadId, at, 'aborted', null, async () => {
          const moved = await tx.file.updateMany({
            where: { uploadSession: { is: { id: uploadId } }, status: { in: allowedSources(to) } },
            data: { status: to, failureReason: reason, updatedAt: at },
          });
          if (moved.count === 1) {
            const { fileId } = await tx.uploadSession.findUniqueOrThrow({ where: { id: uploadId }, select: { fileId: true } });
            await settle(tx, fileId, 'released', at);
            await recordTerminalEvent(tx, fileId, to, at);
            await countTerminal(tx, to, reason);
          }
          return moved.count;
        }),
      ),
    );
    if (aborted) this.events.transitioned?.(to, reason);
    return aborted;
  }

  async reserveUpTo(uploadId: string, totalBytes: number, defaultQuota: number, at: Date): Promise<boolean> {
    const prisma = await this.prisma();
    return prisma.$transaction(async (tx) => {
      // Only while the session is open, checked by the transaction's first write: it takes the
      // session's row lock (PostgreSQL) / the write lock (SQLite), which abort and finish take
      // first too. So a DELETE or the last byte either ends the upload before this (nothing is
      // reserved here) or after it (and its settlement releases what this reserved): a
      // reservation never outlives its upload.
      const open = await tx.uploadSession.updateMany({ where: { id: uploadId, status: OPEN }, data: { updatedAt: at } });
      if (open.count === 0) return false;
      const { fileId, ownerId } = await tx.uploadSession.findUniqueOrThrow({ where: { id: uploadId }, select: { fileId: true, ownerId: true } });
      // Then the file row's lock, before the owner's (in reserve): the order of every terminal
      // transition (file, then owner), so the two cannot deadlock on PostgreSQL.
      const { reservedBytes } = await tx.file.update({ where: { id: fileId }, data: { updatedAt: at }, select: { reservedBytes: true } });
      // Grow only.
      const wanted = toBigInt(totalBytes);
      if (wanted <= reservedBytes) return true;
      await reserve(prismaSql(tx), ownerId, toNumber(wanted - reservedBytes), defaultQuota, at);
      await tx.file.update({ where: { id: fileId }, data: { reservedBytes: wanted } });
      return true;
    });
  }
}

/**
 * open → `status` for the session and a conditional file update, both or neither (the file
 * update changing no row rolls the transaction back). The session update comes first on
 * purpose: it takes the session's row lock (PostgreSQL) before the file's, in the order of
 * every terminal transition. `bytesReceived`: the session's final offset, when it changes.
 */
async function closeSession(
  sql: SqlRunner,
  uploadId: string,
  at: Date,
  status: Exclude<UploadSessionStatus, 'open'>,
  bytesReceived: number | null,
  updateFile: () => Promise<number>,
): Promise<boolean> {
  const session =
    bytesReceived === null
      ? await sql.run('UPDATE upload_sessions SET status = ?, updated_at = ? WHERE id = ? AND status = ?', [status, at, uploadId, OPEN])
      : await sql.run('UPDATE upload_sessions SET status = ?, updated_at = ?, bytes_received = ?, last_activity_at = ? WHERE id = ? AND status = ?', [
          status,
          at,
          bytesReceived,
          at,
          uploadId,
          OPEN,
        ]);
  if (session === 0) return false;
  if ((await updateFile()) === 0) throw new RolledBack();
  return true;
}

/** A transaction that threw RolledBack changed nothing: false. */
async function unlessRolledBack(transaction: Promise<boolean>): Promise<boolean> {
  try {
    return await transaction;
  } catch (error) {
    if (error instanceof RolledBack) return false;
    throw error;
  }
}

/**
 * The file (`pending`) and its open session, and the view of them as written (no re-read).
 * The file first: the session's foreign key needs it. A duplicate id of either throws (see
 * isUniqueViolation) and the caller's transaction leaves nothing behind.
 */
async function insertUpload(sql: SqlRunner, input: NewUpload, reservedBytes: number, concatRole: 'partial' | 'final' | null): Promise<UploadView> {
  const { now } = input;
  await sql.run(
    'INSERT INTO files (id, owner_id, original_filename, declared_type, size_bytes, expected_sha256, reserved_bytes, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [input.fileId, input.ownerId, input.originalFilename, input.declaredType, input.totalSize, input.expectedSha256, reservedBytes, 'pending', now, now],
  );
  const concatParts = input.concatParts?.join(' ') || null;
  await sql.run(
    `INSERT INTO upload_sessions (id, file_id, owner_id, total_size, bytes_received, chunk_size, status, concat_role, concat_parts, upload_metadata,
      expires_at, last_activity_at, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      input.uploadId,
      input.fileId,
      input.ownerId,
      input.totalSize,
      input.chunkSize,
      OPEN,
      concatRole,
      concatParts,
      input.uploadMetadata ?? null,
      input.expiresAt,
      now,
      now,
      now,
    ],
  );
  return {
    upload: {
      id: input.uploadId,
      fileId: input.fileId,
      ownerId: input.ownerId,
      totalSize: input.totalSize,
      bytesReceived: 0,
      chunkSize: input.chunkSize,
      status: OPEN,
      concatRole,
      concatParts: concatParts ? concatParts.split(' ') : null,
      uploadMetadata: input.uploadMetadata ?? null,
      expiresAt: input.expiresAt,
      lastActivityAt: now,
      createdAt: now,
      updatedAt: now,
    },
    file: {
      id: input.fileId,
      ownerId: input.ownerId,
      originalFilename: input.originalFilename,
      declaredType: input.declaredType,
      sizeBytes: input.totalSize,
      mimeType: null,
      expectedSha256: input.expectedSha256,
      checksumSha256: null,
      scan: { result: null, signature: null, attempts: 0, scannedAt: null },
      status: 'pending',
      failureReason: null,
      storagePath: null,
      deletedAt: null,
      purgedAt: null,
      createdAt: now,
      updatedAt: now,
    },
  };
}
