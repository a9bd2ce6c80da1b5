import { eventId, eventOf, type FileStatus, type WebhookEvent } from '@airlock/core';
import type { LazyPrisma, PrismaClient, PrismaTransaction } from './prisma-client.js';
import { toNullableDate, type SqlRunner } from './sql-runner.js';
import { toNumber } from './record.mapper.js';

/** An event row as the notifier sees it. */
export interface OutboxEvent {
  /** `<file id>.<type>`, stable across retries (see eventId in @airlock/core). */
  id: string;
  type: WebhookEvent;
  fileId: string;
  createdAt: Date;
  /** Attempts started, this one included once claimed. */
  attempts: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  lastError: string | null;
}

/**
 * The outbox (issue #14): terminal events are rows written by the repositories in the
 * transaction of the status change (recordTerminalEvent below), so a change and its event
 * exist together or not at all. The notifier reads them from here.
 *
 * A row is due while `delivered_at` is null and `next_attempt_at` has passed; a row given up
 * keeps `delivered_at` null and has `next_attempt_at` null.
 */
export interface OutboxRepository {
  /**
   * Claims up to `limit` due rows for one delivery attempt each: per row one conditional
   * UPDATE (still undelivered, `next_attempt_at` unchanged since it was read) that counts the
   * attempt and pushes `next_attempt_at` to `now + leaseMs`. Two notifiers never claim the
   * same row at once; a notifier that dies mid-attempt leaves the row due again after the lease.
   * Oldest due first.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboxEvent[]>;
  /** The receiver acknowledged it (or it was settled without sending, `note` says why); false when it already was. */
  markDelivered(id: string, at: Date, note?: string | null): Promise<boolean>;
  /** The attempt failed: due again at `nextAttemptAt`, or never again when null (given up). */
  reschedule(id: string, nextAttemptAt: Date | null, error: string): Promise<boolean>;
  /** Deletes rows delivered before `before`, at most `limit`; returns how many. Undelivered rows are kept. */
  purgeDelivered(before: Date, limit: number): Promise<number>;
  /** A file's events, oldest first (audit, tests). */
  listByFile(fileId: string): Promise<OutboxEvent[]>;
  /**
   * The undelivered rows (GET /metrics): waiting or retrying, given up, and when the oldest
   * waiting one was written. Reads only undelivered rows (index on `delivered_at`): a scrape
   * costs the backlog, never the delivered history.
   */
  backlog(): Promise<OutboxBacklog>;
}

export const OUTBOX_STATES = ['pending', 'given_up'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];
export type OutboxBacklog = Record<OutboxState, number> & { oldestPendingAt: Date | null };

/**
 * Inside the transaction of a status change that applied: inserts the event of `status`
 * (nothing for a status that has none), due at once. Never call it for a change that did
 * not apply: each terminal status is reached once, so its row is written once (the id is
 * the primary key, so a second write would fail the transaction rather than duplicate).
 */
export async function recordTerminalEvent(tx: PrismaTransaction, fileId: string, status: FileStatus, at: Date): Promise<void> {
  const type = eventOf(status);
  if (type === null) return;
  await tx.outboxEvent.create({ data: { id: eventId(fileId, type), type, fileId, createdAt: at, attempts: 0, nextAttemptAt: at } });
}

export class PrismaOutboxRepository implements OutboxRepository {
  /** `sql`: the backlog, read at every metrics scrape (issue #15: no Prisma in an API that only takes uploads). */
  constructor(
    private readonly prisma: LazyPrisma,
    private readonly sql: SqlRunner,
  ) {}

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboxEvent[]> {
    if (limit <= 0) return [];
    const prisma = await this.prisma();
    const due = await prisma.outboxEvent.findMany({
      where: { deliveredAt: null, nextAttemptAt: { lte: now } },
      orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
      take: limit,
      select: { id: true, nextAttemptAt: true },
    });
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const claimed: OutboxEvent[] = [];
    for (const row of due) {
      // Compare-and-set on next_attempt_at: whoever moved it first (another notifier's claim,
      // a delivery) makes this one match nothing.
      const { count } = await prisma.outboxEvent.updateMany({
        where: { id: row.id, deliveredAt: null, nextAttemptAt: row.nextAttemptAt },
        data: { attempts: { increment: 1 }, nextAttemptAt: leaseUntil },
      });
      if (count !== 1) continue;
      const fresh = await prisma.outboxEvent.findUnique({ where: { id: row.id } });
      if (fresh) claimed.push(toOutboxEvent(fresh));
    }
    return claimed;
  }

  async markDelivered(id: string, at: Date, note: string | null = null): Promise<boolean> {
    const prisma = await this.prisma();
    const { count } = await prisma.outboxEvent.updateMany({
      where: { id, deliveredAt: null },
      data: { deliveredAt: at, nextAttemptAt: null, lastError: note },
    });
    return count === 1;
  }

  async reschedule(id: string, nextAttemptAt: Date | null, error: string): Promise<boolean> {
    const prisma = await this.prisma();
    const { count } = await prisma.outboxEvent.updateMany({
      where: { id, deliveredAt: null },
      data: { nextAttemptAt, lastError: error.slice(0, 1000) },
    });
    return count === 1;
  }

  async purgeDelivered(before: Date, limit: number): Promise<number> {
    const prisma = await this.prisma();
    const rows = await prisma.outboxEvent.findMany({
      where: { deliveredAt: { lt: before } },
      orderBy: { deliveredAt: 'asc' },
      take: limit,
      select: { id: true },
    });
    if (rows.length === 0) return 0;
    const { count } = await prisma.outboxEvent.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
    return count;
  }

  async backlog(): Promise<OutboxBacklog> {
    // One statement over the undelivered rows (the (delivered_at, next_attempt_at) index).
    const [row] = await this.sql.rows<{ pending: number | bigint; oldest: unknown; given_up: number | bigint }>(
      `SELECT COUNT(CASE WHEN next_attempt_at IS NOT NULL THEN 1 END) AS pending,
              MIN(CASE WHEN next_attempt_at IS NOT NULL THEN created_at END) AS oldest,
              COUNT(CASE WHEN next_attempt_at IS NULL THEN 1 END) AS given_up
         FROM outbox_events WHERE delivered_at IS NULL`,
      [],
    );
    return { pending: toNumber(row?.pending ?? 0), given_up: toNumber(row?.given_up ?? 0), oldestPendingAt: toNullableDate(row?.oldest) };
  }

  async listByFile(fileId: string): Promise<OutboxEvent[]> {
    const prisma = await this.prisma();
    const rows = await prisma.outboxEvent.findMany({ where: { fileId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toOutboxEvent);
  }
}

type OutboxRow = Awaited<ReturnType<PrismaClient['outboxEvent']['findUniqueOrThrow']>>;

function toOutboxEvent(row: OutboxRow): OutboxEvent {
  return {
    id: row.id,
    type: row.type as WebhookEvent,
    fileId: row.fileId,
    createdAt: row.createdAt,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    deliveredAt: row.deliveredAt,
    lastError: row.lastError,
  };
}
