import { allowedSources, type FileRecord, type FileStatus } from '@airlock/core';
import type { Prisma } from './generated/sqlite/client.js';
import type { PrismaClient } from './prisma-client.js';
import { toFileRecord, toNullableBigInt } from './record.mapper.js';
import type { FilePatch, FileRepository } from './repositories.js';

export class PrismaFileRepository implements FileRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(fileId: string): Promise<FileRecord | null> {
    const row = await this.prisma.file.findUnique({ where: { id: fileId } });
    return row === null ? null : toFileRecord(row);
  }

  async transition(fileId: string, to: FileStatus, at: Date, patch: FilePatch = {}): Promise<boolean> {
    // One conditional UPDATE: of several racing callers (re-delivered jobs, a sweep and a
    // request), the database lets exactly one match the source statuses.
    const { count } = await this.prisma.file.updateMany({
      where: { id: fileId, status: { in: allowedSources(to) } },
      data: { ...toPatchData(patch), status: to, updatedAt: at },
    });
    return count === 1;
  }

  async listStale(statuses: readonly FileStatus[], before: Date, limit: number): Promise<FileRecord[]> {
    if (statuses.length === 0 || limit <= 0) return [];
    const rows = await this.prisma.file.findMany({
      where: { status: { in: [...statuses] }, updatedAt: { lt: before } },
      orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map(toFileRecord);
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
