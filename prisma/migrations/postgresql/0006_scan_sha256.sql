-- Evidence (#19): every scan attempt records the SHA-256 of the bytes it read, infected
-- files included, so the audit names exactly what was refused even after the bytes are purged.
ALTER TABLE "scan_attempts" ADD COLUMN "sha256" TEXT;
