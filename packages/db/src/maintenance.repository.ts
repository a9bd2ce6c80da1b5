import type { FailureReason, FileRecord, FileStatus, UploadSession, UploadView } from '@airlock/core';
import type { File, UploadSession as UploadSessionRow } from './generated/sqlite/client.js';
import type { LazyPrisma } from './prisma-client.js';
import { toFileRecord, toUploadView } from './record.mapper.js';

/** A file and the upload session its bytes came through (null for a file without one). */
export interface StoredFile {
  file: FileRecord;
  upload: UploadSession | null;
}

/** A position in a list ordered by (timestamp, id): the last item's, to read the next page. */
export interface MaintenanceCursor {
  at: Date;
  id: string;
}

/**
 * What garbage collection reads (see packages/pipeline/src/jobs/gc). Read-only: every
 * change goes through the conditional writes of the other repositories (`uploads.abort`,
 * `files.markPurged`), so a reader that acts on a stale page changes nothing twice.
 * Lists are pages of `limit` rows read by keyset (`after`), never by OFFSET.
 */
export interface MaintenanceRepository {
  /** Open sessions whose `expires_at` is before `now`, earliest first (index upload_sessions(status, expires_at)); cursor (expiresAt, upload id). */
  listExpiredOpen(now: Date, limit: number, after?: MaintenanceCursor): Promise<UploadView[]>;
  /**
   * Files in one of `statuses` whose bytes are not purged and whose `updated_at` is before
   * `before`, oldest first (index files(status, updated_at)); cursor (updatedAt, file id).
   */
  listPurgeable(statuses: readonly FileStatus[], before: Date, limit: number, after?: MaintenanceCursor): Promise<StoredFile[]>;
  /**
   * `failed` files with one of `reasons` whose bytes are not purged and whose `updated_at` is
   * at or after `since`, oldest first (same index, a bounded range); cursor (updatedAt, file id).
   */
  listUnpurgedFailures(reasons: readonly FailureReason[], since: Date, limit: number, after?: MaintenanceCursor): Promise<StoredFile[]>;
  /** The files of these upload ids (primary key); an id without a session is absent from the answer. */
  findByUploadIds(uploadIds: readonly string[]): Promise<StoredFile[]>;
  /** Files by id (primary key); an unknown id is absent from the answer. */
  findByFileIds(fileIds: readonly string[]): Promise<StoredFile[]>;
  /** Files whose `storage_path` is one of `paths`. Not indexed: only for keys that do not name their file. */
  findByStoragePaths(paths: readonly string[]): Promise<StoredFile[]>;
  /** Complete, undeleted files with a storage path, by id, after `afterId` (primary key order). */
  listComplete(afterId: string | null, limit: number): Promise<StoredFile[]>;
}

type FileRow = File & { uploadSession: UploadSessionRow | null };

export class PrismaMaintenanceRepository implements MaintenanceRepository {
  constructor(private readonly prisma: LazyPrisma) {}

  async listExpiredOpen(now: Date, limit: number, after?: MaintenanceCursor): Promise<UploadView[]> {
    if (limit <= 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.uploadSession.findMany({
      where: {
        status: 'open',
        expiresAt: { lt: now },
        ...(after ? { OR: [{ expiresAt: { gt: after.at } }, { expiresAt: after.at, id: { gt: after.id } }] } : {}),
      },
      include: { file: true },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((row) => toUploadView(row, row.file));
  }

  async listPurgeable(statuses: readonly FileStatus[], before: Date, limit: number, after?: MaintenanceCursor): Promise<StoredFile[]> {
    if (statuses.length === 0 || limit <= 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.file.findMany({
      where: {
        status: { in: [...statuses] },
        purgedAt: null,
        AND: [{ updatedAt: { lt: before } }, afterUpdate(after)],
      },
      include: { uploadSession: true },
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map(toStoredFile);
  }

  async listUnpurgedFailures(reasons: readonly FailureReason[], since: Date, limit: number, after?: MaintenanceCursor): Promise<StoredFile[]> {
    if (reasons.length === 0 || limit <= 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.file.findMany({
      where: {
        status: 'failed',
        failureReason: { in: [...reasons] },
        purgedAt: null,
        AND: [{ updatedAt: { gte: since } }, afterUpdate(after)],
      },
      include: { uploadSession: true },
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map(toStoredFile);
  }

  async findByUploadIds(uploadIds: readonly string[]): Promise<StoredFile[]> {
    if (uploadIds.length === 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.uploadSession.findMany({ where: { id: { in: [...uploadIds] } }, include: { file: true } });
    return rows.map((row) => {
      const view = toUploadView(row, row.file);
      return { file: view.file, upload: view.upload };
    });
  }

  async findByFileIds(fileIds: readonly string[]): Promise<StoredFile[]> {
    if (fileIds.length === 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.file.findMany({ where: { id: { in: [...fileIds] } }, include: { uploadSession: true } });
    return rows.map(toStoredFile);
  }

  async findByStoragePaths(paths: readonly string[]): Promise<StoredFile[]> {
    if (paths.length === 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.file.findMany({ where: { storagePath: { in: [...paths] } }, include: { uploadSession: true } });
    return rows.map(toStoredFile);
  }

  async listComplete(afterId: string | null, limit: number): Promise<StoredFile[]> {
    if (limit <= 0) return [];
    const prisma = await this.prisma();
    const rows = await prisma.file.findMany({
      where: { status: 'complete', deletedAt: null, storagePath: { not: null }, ...(afterId === null ? {} : { id: { gt: afterId } }) },
      include: { uploadSession: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map(toStoredFile);
  }
}

/** After (updatedAt, id) in (updated_at, id) order; no condition without a cursor. */
function afterUpdate(after: MaintenanceCursor | undefined) {
  return after ? { OR: [{ updatedAt: { gt: after.at } }, { updatedAt: after.at, id: { gt: after.id } }] } : {};
}

function toStoredFile(row: FileRow): StoredFile {
  if (!row.uploadSession) return { file: toFileRecord(row), upload: null };
  const view = toUploadView(row.uploadSession, row);
  return { file: view.file, upload: view.upload };
}
