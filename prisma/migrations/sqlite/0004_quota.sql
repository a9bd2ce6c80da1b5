-- Quotas: per-user counters changed only in the same transaction as the status change that
-- causes them, so a reservation is taken atomically and released exactly once.
ALTER TABLE "users" ADD COLUMN "used_bytes" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "users" ADD COLUMN "reserved_bytes" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "files" ADD COLUMN "reserved_bytes" BIGINT NOT NULL DEFAULT 0;
