import type { PrismaTransaction } from './prisma-client.js';
import { toBigInt, toNumber } from './record.mapper.js';

/** Thrown when a reservation would take a user past their quota; nothing was changed. */
export class QuotaExceededError extends Error {
  constructor(
    readonly requestedBytes: number,
    readonly availableBytes: number,
  ) {
    super(`quota exceeded: ${requestedBytes} bytes requested, ${Math.max(0, availableBytes)} available`);
    this.name = 'QuotaExceededError';
  }
}

/** Thrown when the owner already has as many open uploads as allowed; nothing was changed. */
export class TooManyOpenUploadsError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} open uploads per user (MAX_OPEN_UPLOADS): finish or terminate one first`);
    this.name = 'TooManyOpenUploadsError';
  }
}

/**
 * Makes sure the user row exists and takes its row lock first: on PostgreSQL the row lock
 * serialises concurrent reservations of one user; on SQLite a write first takes the
 * database's write lock instead of failing to upgrade from a read.
 */
async function lockUser(tx: PrismaTransaction, ownerId: string, at: Date): Promise<void> {
  await tx.user.upsert({
    where: { id: ownerId },
    create: { id: ownerId, createdAt: at, updatedAt: at },
    update: { updatedAt: at },
  });
}

/**
 * Adds `bytes` to the user's reservation if stored + reserved + bytes stays within their
 * quota (their override, else `defaultQuota`); throws QuotaExceededError otherwise. The
 * check and the increment are one conditional UPDATE, so two racing reservations cannot
 * both fit, on either database.
 */
export async function reserve(tx: PrismaTransaction, ownerId: string, bytes: number, defaultQuota: number, at: Date): Promise<void> {
  await lockUser(tx, ownerId, at);
  const amount = toBigInt(bytes);
  const applied = await tx.$executeRaw`UPDATE "users" SET "reserved_bytes" = "reserved_bytes" + ${amount}
    WHERE "id" = ${ownerId} AND "used_bytes" + "reserved_bytes" + ${amount} <= COALESCE("quota_bytes", ${toBigInt(defaultQuota)})`;
  if (applied === 1) return;
  const user = await tx.user.findUniqueOrThrow({ where: { id: ownerId } });
  const available = (user.quotaBytes ?? toBigInt(defaultQuota)) - user.usedBytes - user.reservedBytes;
  throw new QuotaExceededError(bytes, toNumber(available > 0n ? available : 0n));
}

/**
 * Ends a file's reservation (exactly once: its `reserved_bytes` goes to 0 in the same
 * transaction) and, for a complete file, counts its size as stored.
 */
export async function settle(tx: PrismaTransaction, fileId: string, outcome: 'stored' | 'released', at: Date): Promise<void> {
  const file = await tx.file.findUnique({ where: { id: fileId }, select: { ownerId: true, reservedBytes: true, sizeBytes: true } });
  if (!file) return;
  const stored = outcome === 'stored' ? (file.sizeBytes ?? 0n) : 0n;
  if (file.reservedBytes === 0n && stored === 0n) return;
  await lockUser(tx, file.ownerId, at);
  await tx.user.update({
    where: { id: file.ownerId },
    data: { reservedBytes: { decrement: file.reservedBytes }, usedBytes: { increment: stored } },
  });
  await tx.file.update({ where: { id: fileId }, data: { reservedBytes: 0n } });
}

/** A complete file was deleted: its bytes no longer count. */
export async function unstore(tx: PrismaTransaction, ownerId: string, bytes: bigint, at: Date): Promise<void> {
  await lockUser(tx, ownerId, at);
  await tx.user.update({ where: { id: ownerId }, data: { usedBytes: { decrement: bytes } } });
}
