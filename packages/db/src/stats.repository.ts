import { FILE_STATUSES, isTerminal, scanBucketOf, type FailureReason, type FileStatus, type ScanAttempt, type ScanVerdict } from '@airlock/core';
import type { PrismaTransaction } from './prisma-client.js';
import { toNumber } from './record.mapper.js';
import { placeholders, type SqlRunner } from './sql-runner.js';

/** The statuses a file passes through; their rows are the work in flight. */
export const IN_FLIGHT_STATUSES = FILE_STATUSES.filter((status) => !isTerminal(status));
export type InFlightStatus = (typeof IN_FLIGHT_STATUSES)[number];

/** Aggregates for the operator (GET /metrics), computed on demand; nothing here changes a row. */
export interface StatsRepository {
  /**
   * Files in each non-terminal status. Reads only those rows (the `(status, updated_at)`
   * index), so a scrape costs the work in flight, never the history: terminal statuses are
   * counted when they happen (DatabaseEvents), not here.
   */
  countInFlight(): Promise<Record<InFlightStatus, number>>;
  /** Files that reached each terminal status, ever, service-wide (one row per status and reason). */
  terminalTotals(): Promise<TerminalTotal[]>;
  /** Every scan attempt ever recorded, per result and duration bucket (not cumulative), service-wide. */
  scanTotals(): Promise<ScanTotal[]>;
}

export interface TerminalTotal {
  status: FileStatus;
  reason: FailureReason | null;
  count: number;
}

export interface ScanTotal {
  result: ScanVerdict;
  /** The bucket's upper bound in seconds as Prometheus writes it (`0.05` … `120`, `+Inf`). */
  le: string;
  count: number;
  sumMs: number;
}

/**
 * Inside the transaction of a terminal change that applied: one more file in `status`. An
 * upsert in one statement (SQLite and PostgreSQL spell it alike), so the first file of a
 * status, reached by two transactions at once, cannot fail either of them.
 */
export async function countTerminal(tx: PrismaTransaction, status: FileStatus, reason: FailureReason | null): Promise<void> {
  await tx.$executeRaw`INSERT INTO "terminal_totals" ("status", "reason", "count") VALUES (${status}, ${reason ?? ''}, 1)
    ON CONFLICT ("status", "reason") DO UPDATE SET "count" = "terminal_totals"."count" + 1`;
}

/** Inside the transaction that records a scan attempt: its duration into the histogram. */
export async function countScan(tx: PrismaTransaction, attempt: Pick<ScanAttempt, 'result' | 'durationMs'>): Promise<void> {
  const durationMs = Math.max(0, Math.round(attempt.durationMs));
  await tx.$executeRaw`INSERT INTO "scan_totals" ("result", "le", "count", "sum_ms") VALUES (${attempt.result}, ${scanBucketOf(durationMs)}, 1, ${durationMs})
    ON CONFLICT ("result", "le") DO UPDATE SET "count" = "scan_totals"."count" + 1, "sum_ms" = "scan_totals"."sum_ms" + ${durationMs}`;
}

/** Files in flight by status: the `(status, updated_at)` index, never the terminal rows. */
const IN_FLIGHT_SQL = `SELECT status, COUNT(*) AS n FROM files WHERE status IN (${placeholders(IN_FLIGHT_STATUSES)}) GROUP BY status`;

/**
 * Plain SQL (issue #15): a scrape every few seconds must not load Prisma's query machinery into
 * an API that otherwise never needs it (prisma-client.ts).
 */
export class SqlStatsRepository implements StatsRepository {
  constructor(private readonly sql: SqlRunner) {}

  async countInFlight(): Promise<Record<InFlightStatus, number>> {
    const rows = await this.sql.rows<{ status: string; n: number | bigint }>(IN_FLIGHT_SQL, IN_FLIGHT_STATUSES);
    const counts = Object.fromEntries(IN_FLIGHT_STATUSES.map((status) => [status, 0])) as Record<InFlightStatus, number>;
    for (const row of rows) {
      if (Object.hasOwn(counts, row.status)) counts[row.status as InFlightStatus] = toNumber(row.n);
    }
    return counts;
  }

  async terminalTotals(): Promise<TerminalTotal[]> {
    const rows = await this.sql.rows<{ status: string; reason: string; count: number | bigint }>('SELECT status, reason, count FROM terminal_totals', []);
    return rows.map((row) => ({ status: row.status as FileStatus, reason: (row.reason || null) as FailureReason | null, count: toNumber(row.count) }));
  }

  async scanTotals(): Promise<ScanTotal[]> {
    const rows = await this.sql.rows<{ result: string; le: string; count: number | bigint; sum_ms: number | bigint }>(
      'SELECT result, le, count, sum_ms FROM scan_totals',
      [],
    );
    return rows.map((row) => ({ result: row.result as ScanVerdict, le: row.le, count: toNumber(row.count), sumMs: toNumber(row.sum_ms) }));
  }
}
