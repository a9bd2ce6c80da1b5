-- tus creation (issue #13, V9): HEAD of an upload carries the `Upload-Metadata` given at its
-- creation for as long as the upload exists, also after its bytes left quarantine and the store's
-- sidecar with them. At most MAX_METADATA_BYTES (checked before anything is created).
ALTER TABLE "upload_sessions" ADD COLUMN "upload_metadata" TEXT;
