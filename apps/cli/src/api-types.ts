import type { FileStatus } from '@airlock/core';

/** `GET /uploads/:id` (contract section 5). */
export interface UploadJson {
  upload_id: string;
  file_id: string;
  status: FileStatus;
  failure_reason: string | null;
  bytes_received: number;
  total_size: number | null;
  chunk_size: number;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** `GET /files/:id` (contract section 6). */
export interface FileJson {
  id: string;
  owner_id: string;
  original_filename: string | null;
  size_bytes: number | null;
  mime_type: string | null;
  checksum_sha256: string | null;
  status: FileStatus;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  scan: { result: string | null; signature: string | null; attempts: number; scanned_at: string | null };
}

export interface FilePage {
  items: FileJson[];
  next_cursor: string | null;
}
