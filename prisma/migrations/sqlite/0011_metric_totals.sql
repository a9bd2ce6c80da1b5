-- Service-wide totals for GET /metrics (issue #17): terminal statuses and the scan histogram,
-- incremented in the transaction of each change, so a scrape reads a few rows, never the history.
-- Filled here once from the rows that exist (the last full read they need).
CREATE TABLE "terminal_totals" (
    "status" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "terminal_totals_pkey" PRIMARY KEY ("status", "reason")
);

CREATE TABLE "scan_totals" (
    "result" TEXT NOT NULL,
    "le" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "sum_ms" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "scan_totals_pkey" PRIMARY KEY ("result", "le")
);

INSERT INTO "terminal_totals" ("status", "reason", "count")
SELECT "status", COALESCE("failure_reason", ''), COUNT(*) FROM "files"
WHERE "status" IN ('complete', 'quarantined', 'rejected', 'scan_failed', 'failed')
GROUP BY "status", COALESCE("failure_reason", '');

INSERT INTO "scan_totals" ("result", "le", "count", "sum_ms")
SELECT "result", "le", COUNT(*), SUM("duration_ms") FROM (
    SELECT "result", "duration_ms", CASE WHEN "duration_ms" <= 50 THEN '0.05' WHEN "duration_ms" <= 100 THEN '0.1' WHEN "duration_ms" <= 250 THEN '0.25' WHEN "duration_ms" <= 500 THEN '0.5' WHEN "duration_ms" <= 1000 THEN '1' WHEN "duration_ms" <= 2500 THEN '2.5' WHEN "duration_ms" <= 5000 THEN '5' WHEN "duration_ms" <= 10000 THEN '10' WHEN "duration_ms" <= 30000 THEN '30' WHEN "duration_ms" <= 60000 THEN '60' WHEN "duration_ms" <= 120000 THEN '120' ELSE '+Inf' END AS "le" FROM "scan_attempts"
) AS "attempts"
GROUP BY "result", "le";
