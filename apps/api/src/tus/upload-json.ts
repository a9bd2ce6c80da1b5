import type { UploadView } from '@airlock/core';

/** `GET /uploads/:id` (contract section 5); the POST body is its subset plus `upload_url`. */
export function uploadJson({ upload, file }: UploadView, uploadUrl?: string) {
  if (uploadUrl !== undefined) {
    return {
      upload_id: upload.id,
      file_id: file.id,
      upload_url: uploadUrl,
      chunk_size: upload.chunkSize,
      expires_at: upload.expiresAt.toISOString(),
    };
  }
  return {
    upload_id: upload.id,
    file_id: file.id,
    status: file.status,
    failure_reason: file.failureReason,
    bytes_received: upload.bytesReceived,
    total_size: upload.totalSize,
    chunk_size: upload.chunkSize,
    expires_at: upload.expiresAt.toISOString(),
    created_at: upload.createdAt.toISOString(),
    updated_at: file.updatedAt.toISOString(),
  };
}
