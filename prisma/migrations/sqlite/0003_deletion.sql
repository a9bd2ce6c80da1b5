-- Deleting a file keeps its row (who uploaded what, and what the scanner said, stays
-- answerable); deleted_at hides it from its owner, purged_at records when the bytes went.
ALTER TABLE "files" ADD COLUMN "deleted_at" DATETIME;
ALTER TABLE "files" ADD COLUMN "purged_at" DATETIME;
