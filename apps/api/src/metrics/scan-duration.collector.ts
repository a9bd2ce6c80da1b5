import type { ScanDurationStats } from '@airlock/db';

/** Upper bounds of the scan histogram, in ms (ClamAV: ~50 MiB/s per stream, 60 s timeout by default). */
export const SCAN_BUCKETS_MS = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000] as const;

const NAME = 'airlock_scan_duration_seconds';

/**
 * `airlock_scan_duration_seconds{result}`: a Prometheus histogram of every scan attempt in the
 * audit table (`scan_attempts.duration_ms`), read at scrape time. The workers that scan
 * expose no HTTP port; the audit table already has every attempt of every worker, so one
 * query here is the whole service's distribution, cumulative as a histogram must be
 * (`rate()` and `histogram_quantile()` work on it as on any other).
 *
 * prom-client has no histogram that takes precomputed buckets, so this is a metric object
 * of the shape its Registry reads (`name`, `help`, `type`, `get()`).
 */
export function scanDurationCollector(read: (boundsMs: readonly number[]) => Promise<ScanDurationStats[] | undefined>) {
  return {
    name: NAME,
    help: 'Duration of scan attempts (clamd INSTREAM, with the SHA-256 pass), by result, from the audit table',
    type: 'histogram' as const,
    aggregator: 'max' as const,
    async get() {
      const stats = (await read(SCAN_BUCKETS_MS)) ?? [];
      const values = stats.flatMap(({ result, count, sumMs, buckets }) => [
        ...SCAN_BUCKETS_MS.map((bound, i) => ({ metricName: `${NAME}_bucket`, labels: { result, le: bound / 1000 }, value: buckets[i] ?? 0 })),
        { metricName: `${NAME}_bucket`, labels: { result, le: '+Inf' }, value: count },
        { metricName: `${NAME}_sum`, labels: { result }, value: sumMs / 1000 },
        { metricName: `${NAME}_count`, labels: { result }, value: count },
      ]);
      return { name: NAME, help: this.help, type: this.type, aggregator: this.aggregator, values };
    },
  };
}
