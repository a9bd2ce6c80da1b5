import type { PrismaTransaction } from './prisma-client.js';
import { prismaSql } from './prisma-sql.js';
import { toNullableNumber, toNumber } from './record.mapper.js';
import type { SqlRunner } from './sql-runner.js';

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
export async function lockUser(sql: SqlRunner, ownerId: string, at: Date): Promise<void> {
  await sql.run('INSERT INTO users (id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at', [
    ownerId,
    at,
    at,
  ]);
}

/**
 * Adds `bytes` to the user's reservation if stored + reserved + bytes stays within their
 * quota (their override, else `defaultQuota`); throws QuotaExceededError otherwise. The
 * check and the increment are one conditional UPDATE, so two racing reservations cannot
 * both fit, on either database.
 */
export async function reserve(sql: SqlRunner, ownerId: string, bytes: number, defaultQuota: number, at: Date): Promise<void> {
  // The owner's row exists but for their first upload: then one conditional UPDATE is the row
  // lock, the check and the reservation. Otherwise the row is made (and locked), and it is tried again.
  if (await tryReserve(sql, ownerId, bytes, defaultQuota, at)) return;
  await lockUser(sql, ownerId, at);
  if (await tryReserve(sql, ownerId, bytes, defaultQuota, at)) return;
  const [user] = await sql.rows<{ quota_bytes: number | bigint | null; used_bytes: number | bigint; reserved_bytes: number | bigint }>(
    'SELECT quota_bytes, used_bytes, reserved_bytes FROM users WHERE id = ?',
    [ownerId],
  );
  const available = (toNullableNumber(user?.quota_bytes ?? null) ?? defaultQuota) - toNumber(user?.used_bytes ?? 0) - toNumber(user?.reserved_bytes ?? 0);
  throw new QuotaExceededError(bytes, Math.max(0, available));
}

/** The check and the increment as one conditional UPDATE: false when the row is missing or the bytes do not fit. */
async function tryReserve(sql: SqlRunner, ownerId: string, bytes: number, defaultQuota: number, at: Date): Promise<boolean> {
  const applied = await sql.run(
    'UPDATE users SET reserved_bytes = reserved_bytes + ?, updated_at = ? WHERE id = ? AND used_bytes + reserved_bytes + ? <= COALESCE(quota_bytes, ?)',
    [bytes, at, ownerId, bytes, defaultQuota],
  );
  return applied === 1;
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
  await lockUser(prismaSql(tx), file.ownerId, at);
  await tx.user.update({
    where: { id: file.ownerId },
    data: { reservedBytes: { decrement: file.reservedBytes }, usedBytes: { increment: stored } },
  });
  await tx.file.update({ where: { id: fileId }, data: { reservedBytes: 0n } });
}

/** A complete file was deleted: its bytes no longer count. */
export async function unstore(sql: SqlRunner, ownerId: string, bytes: number, at: Date): Promise<void> {
  await lockUser(sql, ownerId, at);
  await sql.run('UPDATE users SET used_bytes = used_bytes - ?, updated_at = ? WHERE id = ?', [bytes, at, ownerId]);
}
