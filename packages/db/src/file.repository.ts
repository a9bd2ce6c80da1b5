import { randomUUID } from 'node:crypto';
import { allowedSources, isTerminal, TERMINAL_STATUSES, type FileRecord, type FileStatus, type ScanAttempt, type ScanAuditEntry } from '@airlock/core';
import { recordTerminalEvent } from './outbox.repository.js';
import { settle, unstore } from './quota.js';
import { countScan, countTerminal } from './stats.repository.js';
import type { Prisma } from './generated/sqlite/client.js';
import type { LazyPrisma, PrismaClient } from './prisma-client.js';
import { toFileRecord, toNullableBigInt, toNullableNumber, toVerdict } from './record.mapper.js';
import { placeholders, type SqlRunner } from './sql-runner.js';
import { FILE_SQL, toFileFromRow, type FileRow } from './upload.rows.js';
import { decodeCursor, encodeCursor } from './file-cursor.js';
import type { DatabaseEvents, FilePage, FilePatch, FileQuery, FileRepository, PipelineStage } from './repositories.js';

/** Terminal statuses whose size never counted as stored. */
const ENDED_UNSTORED = TERMINAL_STATUSES.filter((status) => status !== 'complete');

export class PrismaFileRepository implements FileRepository {
  /**
   * `sql`: the lookup by id and the deletion (every GET and DELETE of /files/:id) are plain SQL
   * (issue #15): the rest goes through Prisma, whose query machinery then stays unloaded in an
   * API that only takes uploads and answers for files.
   */
  constructor(
    private readonly prisma: LazyPrisma,
    private readonly sql: SqlRunner,
    private readonly events: DatabaseEvents = {},
  ) {}

  async find(fileId: string): Promise<FileRecord | null> {
    const [row] = await this.sql.rows<FileRow>(FILE_SQL, [fileId]);
    return row === undefined ? null : toFileRecord(toFileFromRow(row));
  }

  async transition(fileId: string, to: FileStatus, at: Date, patch: FilePatch = {}): Promise<boolean> {
    const prisma = await this.prisma();
    // One conditional UPDATE: of several racing callers (re-delivered jobs, a sweep and a
    // request), the database lets exactly one match the source statuses; only that one
    // settles the quota and writes the outbox event, in the same transaction. `complete` also needs a clean scan in
    // that same UPDATE (contract section 8): no code path can promote an unscanned file.
    const move = (client: Pick<PrismaClient, 'file'>) =>
      client.file.updateMany({
        where: { id: fileId, status: { in: allowedSources(to) }, ...(to === 'complete' ? { scanResult: 'clean' } : {}) },
        data: { ...toPatchData(patch), status: to, updatedAt: at },
      });
    const moved = !isTerminal(to)
      ? (await move(prisma)).count === 1
      : await prisma.$transaction(async (tx) => {
          if ((await move(tx)).count !== 1) return false;
          await settle(tx, fileId, to === 'complete' ? 'stored' : 'released', at);
          await recordTerminalEvent(tx, fileId, to, at);
          await countTerminal(tx, to, patch.failureReason ?? null);
          return true;
        });
    if (moved) this.events.transitioned?.(to, patch.failureReason ?? null);
    return moved;
  }

  async update(fileId: string, when: FileStatus, at: Date, patch: FilePatch): Promise<boolean> {
    const prisma = await this.prisma();
    const { count } = await prisma.file.updateMany({
      where: { id: fileId, status: when },
      data: { ...toPatchData(patch), updatedAt: at },
    });
    return count === 1;
  }

  async recordScan(attempt: ScanAttempt, checksumSha256: string | null): Promise<boolean> {
    const prisma = await this.prisma();
    // The summary update first: on SQLite a transaction that starts with a write takes the
    // write lock at once instead of failing to upgrade from a read.
    return prisma.$transaction(async (tx) => {
      const { count } = await tx.file.updateMany({
        where: { id: attempt.fileId, status: 'scanning' },
        data: {
          scanResult: attempt.result,
          scanSignature: attempt.signature,
          scanAttempts: attempt.attempt,
          scannedAt: attempt.at,
          updatedAt: attempt.at,
          ...(checksumSha256 === null ? {} : { checksumSha256 }),
        },
      });
      await tx.scanAttempt.create({
        data: {
          id: randomUUID(),
          fileId: attempt.fileId,
          attempt: attempt.attempt,
          result: attempt.result,
          signature: attempt.signature,
          engineVersion: attempt.engineVersion,
          durationMs: attempt.durationMs,
          detail: attempt.detail,
          sha256: checksumSha256,
          createdAt: attempt.at,
        },
      });
      await countScan(tx, attempt);
      return count === 1;
    });
  }

  async listScans(fileId: string): Promise<ScanAuditEntry[]> {
    const prisma = await this.prisma();
    const rows = await prisma.scanAttempt.findMany({ where: { fileId }, orderBy: [{ createdAt: 'asc' }, { attempt: 'asc' }] });
    return rows.map((row) => ({
      fileId: row.fileId,
      attempt: row.attempt,
      result: toVerdict(row.result)!,
      signature: row.signature,
      engineVersion: row.engineVersion,
      durationMs: row.durationMs,
      detail: row.detail,
      sha256: row.sha256,
      at: row.createdAt,
    }));
  }

  async list({ ownerId, status, limit, cursor, includeDeleted = false }: FileQuery): Promise<FilePage> {
    const prisma = await this.prisma();
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await prisma.file.findMany({
      where: {
        ...(includeDeleted ? {} : { deletedAt: null }),
        // Partial uploads are parts of a file to come, not files. (Spelled out: a NOT over
        // the nullable column would also drop every upload whose role is NULL.)
        ...(ownerId === undefined ? {} : { ownerId }),
        ...(status === undefined ? {} : { status }),
        AND: [
          {
            OR: [{ uploadSession: { is: null } }, { uploadSession: { is: { concatRole: null } } }, { uploadSession: { is: { concatRole: 'final' } } }],
          },
          ...(after ? [{ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] : []),
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const items = rows.slice(0, limit).map(toFileRecord);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async markDeleted(fileId: string, at: Date): Promise<boolean> {
    // One conditional UPDATE per kind of terminal file, so whether the size stops counting is
    // decided by the very row the UPDATE matched: a file still on its way (open upload,
    // pipeline) matches neither and is not hidden, so it can never become `complete` — and
    // count as stored — after its deletion. A terminal status never changes again.
    const hide = 'UPDATE files SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL AND status';
    return this.sql.transaction(async (sql) => {
      if ((await sql.run(`${hide} = ?`, [at, at, fileId, 'complete'])) === 1) {
        const [file] = await sql.rows<{ owner_id: string; size_bytes: number | bigint | null }>('SELECT owner_id, size_bytes FROM files WHERE id = ?', [
          fileId,
        ]);
        const size = toNullableNumber(file?.size_bytes ?? null);
        if (file && size) await unstore(sql, file.owner_id, size, at);
        return true;
      }
      return (await sql.run(`${hide} IN (${placeholders(ENDED_UNSTORED)})`, [at, at, fileId, ...ENDED_UNSTORED])) === 1;
    });
  }

  async markPurged(fileId: string, at: Date): Promise<boolean> {
    return (await this.sql.run('UPDATE files SET purged_at = ?, updated_at = ? WHERE id = ? AND purged_at IS NULL', [at, at, fileId])) === 1;
  }

  async countAttempt(fileId: string, stage: PipelineStage, when: FileStatus): Promise<number | null> {
    const prisma = await this.prisma();
    const column = stage === 'validate' ? 'validateAttempts' : 'promoteAttempts';
    // The increment first (see recordScan: a write takes SQLite's lock at once), then the
    // count it produced, in one transaction: two racing deliveries each get their own number.
    // updated_at stays: counting an attempt is no progress for the reconciler to wait on.
    return prisma.$transaction(async (tx) => {
      const { count } = await tx.file.updateMany({ where: { id: fileId, status: when }, data: { [column]: { increment: 1 } } });
      if (count !== 1) return null;
      const row = await tx.file.findUniqueOrThrow({ where: { id: fileId }, select: { validateAttempts: true, promoteAttempts: true } });
      return stage === 'validate' ? row.validateAttempts : row.promoteAttempts;
    });
  }

  async listStale(statuses: readonly FileStatus[], before: Date, limit: number): Promise<FileRecord[]> {
    if (statuses.length === 0 || limit <= 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.file.findMany({
      where: {
        status: { in: [...statuses] },
        updatedAt: { lt: before },
        OR: [{ reconciledAt: null }, { reconciledAt: { lt: before } }],
      },
      orderBy: [{ reconciledAt: { sort: 'asc', nulls: 'first' } }, { updatedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map(toFileRecord);
  }

  async markReconciled(fileIds: readonly string[], at: Date): Promise<void> {
    if (fileIds.length === 0) return;
    const prisma = await this.prisma();
    await prisma.file.updateMany({ where: { id: { in: [...fileIds] } }, data: { reconciledAt: at } });
  }
}

/** Only the keys present in the patch are written; `undefined` leaves a column alone. */
function toPatchData(patch: FilePatch): Prisma.FileUpdateManyMutationInput {
  const data: Prisma.FileUpdateManyMutationInput = {};
  if (patch.failureReason !== undefined) data.failureReason = patch.failureReason;
  if (patch.mimeType !== undefined) data.mimeType = patch.mimeType;
  if (patch.checksumSha256 !== undefined) data.checksumSha256 = patch.checksumSha256;
  if (patch.storagePath !== undefined) data.storagePath = patch.storagePath;
  if (patch.sizeBytes !== undefined) data.sizeBytes = toNullableBigInt(patch.sizeBytes);
  return data;
}
