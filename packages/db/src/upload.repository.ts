import { allowedSources, type FailureReason, type UploadSessionStatus, type UploadView } from '@airlock/core';
import type { PrismaClient, PrismaTransaction } from './prisma-client.js';
import { absorbPartials } from './concatenation.js';
import { recordTerminalEvent } from './outbox.repository.js';
import { reserve, settle, TooManyOpenUploadsError } from './quota.js';
import { countTerminal } from './stats.repository.js';
import { toBigInt, toNullableBigInt, toNumber, toUploadView } from './record.mapper.js';
import type { ChunkProgress, DatabaseEvents, NewUpload, UploadRepository } from './repositories.js';

/** Only an `open` session accepts bytes or changes. */
const OPEN: UploadSessionStatus = 'open';

/** Thrown inside a transaction to roll back its earlier writes; never escapes this file. */
class RolledBack extends Error {}

export class PrismaUploadRepository implements UploadRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: DatabaseEvents = {},
  ) {}

  async create(input: NewUpload): Promise<UploadView> {
    return this.prisma.$transaction(async (tx) => {
      // The reservation first (a write, and the quota check): over quota, nothing is created.
      // It also takes the owner's row lock, so the count below is exact under concurrency.
      await reserve(tx, input.ownerId, input.reserveBytes, input.defaultQuota, input.now);
      if (input.maxOpenUploads !== undefined) {
        const open = await tx.uploadSession.count({ where: { ownerId: input.ownerId, status: OPEN } });
        if (open >= input.maxOpenUploads) throw new TooManyOpenUploadsError(input.maxOpenUploads);
      }
      return insertUpload(tx, input, toBigInt(input.reserveBytes), input.concatRole ?? null);
    });
  }

  async find(uploadId: string): Promise<UploadView | null> {
    const session = await this.prisma.uploadSession.findUnique({ where: { id: uploadId }, include: { file: true } });
    return session === null ? null : toUploadView(session, session.file);
  }

  async discardCreated(uploadId: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
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
    return this.prisma.$transaction(async (tx) => {
      const created = await insertUpload(tx, input, 0n, 'final');
      // A partial listed several times (tus: the client MAY) is taken over once; the bytes it
      // adds again are `input.reserveBytes`, reserved here against the quota.
      const takenOver = await absorbPartials(tx, input.ownerId, [...new Set(partialIds)], created.file.id, input.now);
      if (input.reserveBytes > 0) {
        await reserve(tx, input.ownerId, input.reserveBytes, input.defaultQuota, input.now);
        await tx.file.update({ where: { id: created.file.id }, data: { reservedBytes: takenOver + toBigInt(input.reserveBytes) } });
      }
      const session = await tx.uploadSession.findUniqueOrThrow({ where: { id: input.uploadId }, include: { file: true } });
      return toUploadView(session, session.file);
    });
  }

  async findByFile(fileId: string): Promise<UploadView | null> {
    const session = await this.prisma.uploadSession.findUnique({ where: { fileId }, include: { file: true } });
    return session === null ? null : toUploadView(session, session.file);
  }

  async recordChunk(uploadId: string, progress: ChunkProgress, known?: UploadView): Promise<UploadView | null> {
    const bytesReceived = toBigInt(progress.bytesReceived);
    const activity = { lastActivityAt: progress.at, expiresAt: progress.expiresAt, updatedAt: progress.at };
    // GREATEST(bytes_received, new) as a conditional update: a stale, smaller offset (a
    // late retry) fails the `lte` guard and only refreshes the activity timestamps below.
    const grown = await this.prisma.uploadSession.updateMany({
      where: { id: uploadId, status: OPEN, bytesReceived: { lte: bytesReceived } },
      data: { bytesReceived, ...activity },
    });
    if (grown.count === 0) {
      const touched = await this.prisma.uploadSession.updateMany({
        where: { id: uploadId, status: OPEN },
        data: activity,
      });
      if (touched.count === 0) return null;
    }
    if (known) return this.recorded(known, progress, grown.count === 1);
    // pending → uploading once bytes arrived; conditional like every transition, so it is
    // a no-op after the first chunk (or when the file has already moved on).
    await this.prisma.file.updateMany({
      where: {
        uploadSession: { is: { id: uploadId, bytesReceived: { gt: 0n } } },
        status: { in: allowedSources('uploading') },
      },
      data: { status: 'uploading', updatedAt: progress.at },
    });
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
      const moved = await this.prisma.file.updateMany({
        where: { id: file.id, status: { in: allowedSources('uploading') } },
        data: { status: 'uploading', updatedAt: progress.at },
      });
      if (moved.count === 1) file = { ...file, status: 'uploading', updatedAt: progress.at };
    }
    const upload = { ...known.upload, bytesReceived, lastActivityAt: progress.at, expiresAt: progress.expiresAt, updatedAt: progress.at };
    return { upload, file };
  }

  async declareLength(uploadId: string, totalSize: number, at: Date): Promise<boolean> {
    const { count } = await this.prisma.uploadSession.updateMany({
      where: { id: uploadId, status: OPEN, totalSize: null },
      data: { totalSize: toBigInt(totalSize), updatedAt: at },
    });
    return count === 1;
  }

  async finish(uploadId: string, bytesReceived: number, at: Date): Promise<boolean> {
    const session = { bytesReceived: toBigInt(bytesReceived), lastActivityAt: at };
    const finished = await this.closeSession(uploadId, at, 'finished', session, (tx) =>
      tx.file.updateMany({
        where: { uploadSession: { is: { id: uploadId } }, status: { in: allowedSources('assembling') } },
        data: { status: 'assembling', sizeBytes: toBigInt(bytesReceived), updatedAt: at },
      }),
    );
    if (finished) this.events.transitioned?.('assembling', null);
    return finished;
  }

  async abort(uploadId: string, to: 'failed' | 'rejected', reason: FailureReason | null, at: Date): Promise<boolean> {
    const aborted = await this.closeSession(uploadId, at, 'aborted', {}, async (tx) => {
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
      return moved;
    });
    if (aborted) this.events.transitioned?.(to, reason);
    return aborted;
  }

  async reserveUpTo(uploadId: string, totalBytes: number, defaultQuota: number, at: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
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
      await reserve(tx, ownerId, toNumber(wanted - reservedBytes), defaultQuota, at);
      await tx.file.update({ where: { id: fileId }, data: { reservedBytes: wanted } });
      return true;
    });
  }

  /**
   * open → `status` for the session and a conditional file update, both or neither. The
   * session update comes first on purpose: on SQLite the adapter opens a deferred
   * transaction, and starting with a write takes the write lock (waiting on the busy
   * timeout) instead of failing with SQLITE_BUSY when upgrading from a read.
   */
  private async closeSession(
    uploadId: string,
    at: Date,
    status: Exclude<UploadSessionStatus, 'open'>,
    extra: { bytesReceived?: bigint; lastActivityAt?: Date },
    updateFile: (tx: PrismaTransaction) => Promise<{ count: number }>,
  ): Promise<boolean> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const session = await tx.uploadSession.updateMany({
          where: { id: uploadId, status: OPEN },
          data: { status, updatedAt: at, ...extra },
        });
        if (session.count === 0) return false;
        const file = await updateFile(tx);
        if (file.count === 0) throw new RolledBack();
        return true;
      });
    } catch (error) {
      if (error instanceof RolledBack) return false;
      throw error;
    }
  }
}

/**
 * The file (`pending`) and its open session. The file first: the session's foreign key
 * needs it. A duplicate id of either throws (P2002, see isUniqueViolation) and the caller's
 * transaction leaves nothing behind.
 */
async function insertUpload(tx: PrismaTransaction, input: NewUpload, reservedBytes: bigint, concatRole: 'partial' | 'final' | null): Promise<UploadView> {
  const file = await tx.file.create({
    data: {
      id: input.fileId,
      ownerId: input.ownerId,
      originalFilename: input.originalFilename,
      declaredType: input.declaredType,
      sizeBytes: toNullableBigInt(input.totalSize),
      expectedSha256: input.expectedSha256,
      reservedBytes,
      status: 'pending',
      createdAt: input.now,
      updatedAt: input.now,
    },
  });
  const session = await tx.uploadSession.create({
    data: {
      id: input.uploadId,
      fileId: input.fileId,
      ownerId: input.ownerId,
      totalSize: toNullableBigInt(input.totalSize),
      bytesReceived: 0n,
      chunkSize: input.chunkSize,
      status: OPEN,
      concatRole,
      concatParts: input.concatParts?.join(' ') ?? null,
      uploadMetadata: input.uploadMetadata ?? null,
      expiresAt: input.expiresAt,
      lastActivityAt: input.now,
      createdAt: input.now,
      updatedAt: input.now,
    },
  });
  return toUploadView(session, file);
}
