/**
 * Upper bounds of the scan-duration histogram in ms (ClamAV: ~50 MiB/s per stream, 60 s
 * timeout by default). The database keeps a count per bucket (scan_totals, migration
 * 0011_metric_totals.sql repeats these bounds for the rows that existed before it) and
 * GET /metrics exports them as `airlock_scan_duration_seconds`.
 */
export const SCAN_DURATION_BUCKETS_MS = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000] as const;

/** The `le` label of a bucket: its bound in seconds, `+Inf` past the last. */
export function scanBucketLabel(boundMs: number | null): string {
  return boundMs === null ? '+Inf' : String(boundMs / 1000);
}

/** The bucket a duration falls in (not cumulative): its `le` label. */
export function scanBucketOf(durationMs: number): string {
  return scanBucketLabel(SCAN_DURATION_BUCKETS_MS.find((bound) => durationMs <= bound) ?? null);
}
