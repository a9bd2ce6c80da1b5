import { FAILURE_REASONS, SCAN_DURATION_BUCKETS_MS, TERMINAL_STATUSES, scanBucketLabel, type ScanVerdict } from '@airlock/core';
import type { ScanTotal, TerminalTotal } from '@airlock/db';
import type { Metric } from 'prom-client';

type Read<T> = () => Promise<T[] | undefined>;
interface Value {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A metric object of the shape prom-client's Registry reads (`name`, `help`, `type`, `get()`),
 * for series whose values are kept elsewhere: prom-client's own Counter cannot be set, and its
 * Histogram cannot take precomputed buckets. `aggregator: max`: every API reports the same.
 */
function collector(name: string, help: string, type: 'counter' | 'histogram', values: () => Promise<Value[]>): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'max' as const,
    async get() {
      return { name, help, type, aggregator: metric.aggregator, values: await values() };
    },
  };
  return metric as unknown as Metric;
}

/**
 * `airlock_files_terminal_total{status,reason}`: files that reached each terminal status, ever,
 * service-wide, from the `terminal_totals` rows the status changes increment (a few rows).
 */
export function terminalTotalsCollector(read: Read<TerminalTotal>): Metric {
  // Series that exist before their first file, at 0: increase() cannot see a series' first value.
  const zero = new Map<string, Value>();
  for (const status of TERMINAL_STATUSES) zero.set(`${status} none`, { labels: { status, reason: 'none' }, value: 0 });
  for (const status of ['failed', 'scan_failed'])
    for (const reason of FAILURE_REASONS) zero.set(`${status} ${reason}`, { labels: { status, reason }, value: 0 });
  return collector(
    'airlock_files_terminal_total',
    'Files that reached each terminal status (reason: the failure reason, none otherwise), service-wide, from the database',
    'counter',
    async () => {
      const rows = await read();
      if (!rows) return [];
      const values = new Map(zero);
      for (const { status, reason, count } of rows) values.set(`${status} ${reason ?? 'none'}`, { labels: { status, reason: reason ?? 'none' }, value: count });
      return [...values.values()];
    },
  );
}

const NAME = 'airlock_scan_duration_seconds';

/**
 * `airlock_scan_duration_seconds{result}`: every scan attempt of every scanner, service-wide,
 * cumulative as a Prometheus histogram must be, from the `scan_totals` rows each recorded
 * attempt increments (at most 3 × 12 rows): no read of the audit table.
 */
export function scanTotalsCollector(read: Read<ScanTotal>): Metric {
  const labels = [...SCAN_DURATION_BUCKETS_MS.map((bound) => scanBucketLabel(bound)), scanBucketLabel(null)];
  return collector(
    NAME,
    'Duration of scan attempts (clamd INSTREAM with the SHA-256 pass) by result, service-wide, from the database',
    'histogram',
    async () => {
      const rows = await read();
      if (!rows) return [];
      // Every result from the start, at 0 (see above); a result the database knows but this code does not is kept too.
      const results = new Set<ScanVerdict>(['clean', 'infected', 'error']);
      for (const row of rows) results.add(row.result);
      return [...results].flatMap((result) => {
        const mine = rows.filter((row) => row.result === result);
        const countIn = (le: string) => mine.find((row) => row.le === le)?.count ?? 0;
        let cumulative = 0;
        const buckets = labels.map((le) => {
          cumulative += countIn(le);
          return { metricName: `${NAME}_bucket`, labels: { le, result }, value: cumulative };
        });
        const sumMs = mine.reduce((sum, row) => sum + row.sumMs, 0);
        return [
          ...buckets,
          { metricName: `${NAME}_sum`, labels: { result }, value: sumMs / 1000 },
          { metricName: `${NAME}_count`, labels: { result }, value: cumulative },
        ];
      });
    },
  );
}
