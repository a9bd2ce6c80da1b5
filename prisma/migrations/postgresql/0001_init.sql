-- Initial schema (PostgreSQL), written to match ../../models.prisma as `prisma migrate diff` would.
-- DateTime is Prisma's default TIMESTAMP(3) (no time zone): the pg adapter writes and reads
-- it as UTC, whatever the server's TimeZone setting.

CREATE TABLE "files" (
    "id" TEXT NOT NULL,
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
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "files_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "upload_sessions" (
    "id" TEXT NOT NULL,
    "file_id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "total_size" BIGINT,
    "bytes_received" BIGINT NOT NULL DEFAULT 0,
    "chunk_size" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "last_activity_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "upload_sessions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "quota_bytes" BIGINT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "files_owner_id_created_at_idx" ON "files"("owner_id", "created_at");
CREATE INDEX "files_status_updated_at_idx" ON "files"("status", "updated_at");
CREATE UNIQUE INDEX "upload_sessions_file_id_key" ON "upload_sessions"("file_id");
CREATE INDEX "upload_sessions_status_expires_at_idx" ON "upload_sessions"("status", "expires_at");

ALTER TABLE "upload_sessions" ADD CONSTRAINT "upload_sessions_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "files"("id") ON DELETE CASCADE ON UPDATE CASCADE;
