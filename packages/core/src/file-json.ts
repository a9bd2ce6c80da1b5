import type { FileRecord, ScanAuditEntry } from './types.js';

/**
 * A file as the files API shows it (contract section 6), and as webhooks carry it
 * (section 7): one shape for both, so a receiver can parse either with the same code.
 */
export function fileJson(file: FileRecord) {
  return {
    id: file.id,
    owner_id: file.ownerId,
    original_filename: file.originalFilename,
    size_bytes: file.sizeBytes,
    mime_type: file.mimeType,
    checksum_sha256: file.checksumSha256,
    status: file.status,
    failure_reason: file.failureReason,
    created_at: file.createdAt.toISOString(),
    updated_at: file.updatedAt.toISOString(),
    scan: {
      result: file.scan.result,
      signature: file.scan.signature,
      attempts: file.scan.attempts,
      scanned_at: file.scan.scannedAt?.toISOString() ?? null,
    },
  };
}

export type FileJson = ReturnType<typeof fileJson>;

/**
 * A file as an admin sees it: the same shape, plus when it was deleted (by its owner, or an
 * admin) and when its bytes went, and, for one file, every scan attempt with the SHA-256 of
 * the bytes it read (the audit).
 */
export function adminFileJson(file: FileRecord, audit?: readonly ScanAuditEntry[]) {
  return {
    ...fileJson(file),
    deleted_at: file.deletedAt?.toISOString() ?? null,
    purged_at: file.purgedAt?.toISOString() ?? null,
    ...(audit === undefined
      ? {}
      : {
          scan_audit: audit.map((entry) => ({
            attempt: entry.attempt,
            result: entry.result,
            signature: entry.signature,
            sha256: entry.sha256,
            engine_version: entry.engineVersion,
            duration_ms: entry.durationMs,
            detail: entry.detail,
            at: entry.at.toISOString(),
          })),
        }),
  };
}
