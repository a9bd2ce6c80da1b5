-- Failure budgets (#14): validation and promotion count their attempts in the database, as
-- the scan does (scan_attempts), so a budget holds across redeliveries and re-enqueues.
ALTER TABLE "files" ADD COLUMN "validate_attempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "files" ADD COLUMN "promote_attempts" INTEGER NOT NULL DEFAULT 0;
-- When the reconciler last re-enqueued the file: it serves the least recently re-enqueued
-- first, so files that keep failing cannot starve the others.
ALTER TABLE "files" ADD COLUMN "reconciled_at" TIMESTAMP(3);
CREATE INDEX "files_status_reconciled_at_idx" ON "files"("status", "reconciled_at");
