import { FILE_STATUSES, isTerminal } from '@airlock/core';
import type { PrismaClient } from './prisma-client.js';

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
}

export class PrismaStatsRepository implements StatsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async countInFlight(): Promise<Record<InFlightStatus, number>> {
    const rows = await this.prisma.file.groupBy({ by: ['status'], where: { status: { in: [...IN_FLIGHT_STATUSES] } }, _count: { _all: true } });
    const counts = Object.fromEntries(IN_FLIGHT_STATUSES.map((status) => [status, 0])) as Record<InFlightStatus, number>;
    for (const row of rows) {
      if (Object.hasOwn(counts, row.status)) counts[row.status as InFlightStatus] = row._count._all;
    }
    return counts;
  }
}


