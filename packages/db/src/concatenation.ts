import type { PrismaTransaction } from './prisma-client.js';

/** Thrown when partial uploads cannot be concatenated; nothing was changed. */
export class ConcatenationError extends Error {
  constructor(
    readonly reason: 'not_found' | 'not_partial' | 'incomplete' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'ConcatenationError';
  }
}

/**
 * Inside the final upload's creation transaction: checks every partial (the caller's,
 * `partial`, open, all bytes in), moves their quota reservations to the final file, and
 * retires them (session aborted, file `failed` / `terminated`, hidden). Returns the total
 * reservation taken over. A retired partial writes no outbox event: it was never a file for
 * its owner (hidden from the files API), its bytes live on in the final upload, whose own
 * terminal status is reported.
 */
export async function absorbPartials(tx: PrismaTransaction, ownerId: string, partialIds: string[], finalFileId: string, at: Date): Promise<bigint> {
  let reserved = 0n;
  for (const id of partialIds) {
    // The write first: it takes the lock on the row (and on SQLite, the database).
    const { count } = await tx.uploadSession.updateMany({
      where: { id, ownerId, status: 'open', concatRole: 'partial' },
      data: { status: 'aborted', updatedAt: at },
    });
    const session = await tx.uploadSession.findUnique({ where: { id }, include: { file: true } });
    if (!session || session.ownerId !== ownerId) throw new ConcatenationError('not_found', `partial upload ${id} not found`);
    // Expiry is applied lazily (GC, or the next request to it): an expired partial is gone here too.
    if (session.expiresAt.getTime() <= at.getTime()) throw new ConcatenationError('expired', `partial upload ${id} expired`);
    if (count !== 1) throw new ConcatenationError('not_partial', `upload ${id} is not an open partial upload`);
    if (session.totalSize === null || session.bytesReceived !== session.totalSize) {
      throw new ConcatenationError('incomplete', `partial upload ${id} is not complete`);
    }
    reserved += session.file.reservedBytes;
    await tx.file.update({
      where: { id: session.fileId },
      data: { status: 'failed', failureReason: 'terminated', reservedBytes: 0n, deletedAt: at, updatedAt: at },
    });
  }
  await tx.file.update({ where: { id: finalFileId }, data: { reservedBytes: reserved } });
  return reserved;
}
