-- The pipeline: a summary of the latest scan on each file, and every attempt for audit.
ALTER TABLE "files" ADD COLUMN "scan_result" TEXT;
ALTER TABLE "files" ADD COLUMN "scan_signature" TEXT;
ALTER TABLE "files" ADD COLUMN "scan_attempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "files" ADD COLUMN "scanned_at" DATETIME;

CREATE TABLE "scan_attempts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "file_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "result" TEXT NOT NULL,
    "signature" TEXT,
    "engine_version" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "detail" TEXT,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "scan_attempts_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "files" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "scan_attempts_file_id_created_at_idx" ON "scan_attempts"("file_id", "created_at");
