-- Initial schema (SQLite), written to match ../../models.prisma as `prisma migrate diff` would.
-- DateTime columns hold ISO-8601 UTC text with milliseconds: the better-sqlite3 adapter's
-- default `timestampFormat` ("iso8601"), which also sorts correctly as text.
-- BIGINT / INTEGER declared types let the adapter map values to Prisma BigInt / Int.

CREATE TABLE "files" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "owner_id" TEXT NOT NULL,
    "original_filename" TEXT,
    "declared_type" TEXT,
    "size_bytes" BIGINT,
    "mime_type" TEXT,
    "expected_sha256" TEXT,
    "checksum_sha256" TEXT,
    "status" TEXT NOT NULL,
    "failure_reason" TEXT,
    "storage_path" TEXT,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL
);

CREATE TABLE "upload_sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "file_id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "total_size" BIGINT,
    "bytes_received" BIGINT NOT NULL DEFAULT 0,
    "chunk_size" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "last_activity_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "upload_sessions_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "files" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "quota_bytes" BIGINT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

CREATE INDEX "files_owner_id_created_at_idx" ON "files"("owner_id", "created_at");
CREATE INDEX "files_status_updated_at_idx" ON "files"("status", "updated_at");
CREATE UNIQUE INDEX "upload_sessions_file_id_key" ON "upload_sessions"("file_id");
CREATE INDEX "upload_sessions_status_expires_at_idx" ON "upload_sessions"("status", "expires_at");
