import type { FileRecord } from './types.js';

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
