import { FILE_STATUSES, type FileStatus, type ScanVerdict } from '@airlock/core';
import type { PrismaClient } from './prisma-client.js';

/** Scan attempts of one verdict: how many, their total duration, and a cumulative histogram. */
export interface ScanDurationStats {
  result: ScanVerdict;
  count: number;
  sumMs: number;
  /** `buckets[i]` = attempts that took at most `boundsMs[i]` (cumulative, as Prometheus wants it). */
  buckets: number[];
}

/** Aggregates for the operator (GET /metrics), computed on demand; nothing here changes a row. */
export interface StatsRepository {
  /** Every file row (deleted ones included) by its current status; statuses without files are 0. */
  countByStatus(): Promise<Record<FileStatus, number>>;
  /** Every scan attempt of the audit table, by verdict. `boundsMs` ascending whole numbers. */
  scanDurations(boundsMs: readonly number[]): Promise<ScanDurationStats[]>;
}

const VERDICTS: readonly ScanVerdict[] = ['clean', 'infected', 'error'];

export class PrismaStatsRepository implements StatsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async countByStatus(): Promise<Record<FileStatus, number>> {
    const rows = await this.prisma.file.groupBy({ by: ['status'], _count: { _all: true } });
    const counts = Object.fromEntries(FILE_STATUSES.map((status) => [status, 0])) as Record<FileStatus, number>;
    for (const row of rows) {
      if (Object.hasOwn(counts, row.status)) counts[row.status as FileStatus] = row._count._all;
    }
    return counts;
  }

  async scanDurations(boundsMs: readonly number[]): Promise<ScanDurationStats[]> {
    // Only whole numbers reach the SQL text, so building it is safe; one pass over the table.
    if (!boundsMs.every((bound) => Number.isSafeInteger(bound) && bound >= 0)) throw new RangeError('bounds must be whole numbers of ms');
    const columns = boundsMs.map((bound, i) => `SUM(CASE WHEN duration_ms <= ${bound} THEN 1 ELSE 0 END) AS b${i}`);
    const rows = await this.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT result, COUNT(*) AS count, SUM(duration_ms) AS sum_ms${columns.map((column) => `, ${column}`).join('')}
       FROM scan_attempts GROUP BY result`,
    );
    // SQLite answers BigInt, PostgreSQL numbers or numeric strings: Number() takes them all.
    return rows.flatMap((row) => {
      const result = row.result as ScanVerdict;
      if (!VERDICTS.includes(result)) return [];
      return [{ result, count: Number(row.count), sumMs: Number(row.sum_ms ?? 0), buckets: boundsMs.map((_, i) => Number(row[`b${i}`] ?? 0)) }];
    });
  }
}
