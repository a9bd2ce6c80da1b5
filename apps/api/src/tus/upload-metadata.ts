import { Metadata, type Upload } from '@tus/utils';
import { AppError, type UploadView } from '@airlock/core';
import { TusHttpError } from './tus-error.js';

export interface UploadMetadata {
  filename: string | null;
  filetype: string | null;
  sha256: string | null;
}

const MAX_FILENAME_LENGTH = 1024;

/**
 * Reads the metadata keys of contract section 5: `filename` (or `name`), `filetype`
 * (or `type`), `sha256`. Every key, these included, is kept as given (`uploadMetadataHeader`).
 */
export function readUploadMetadata(upload: Upload): UploadMetadata {
  const meta = upload.metadata ?? {};
  const pick = (...keys: string[]): string | null => {
    for (const key of keys) {
      const value = Object.hasOwn(meta, key) ? meta[key] : undefined;
      if (typeof value === 'string' && value.length > 0) return value;
    }
    return null;
  };
  const filename = pick('filename', 'name');
  if (filename !== null && filename.length > MAX_FILENAME_LENGTH) {
    throw new TusHttpError(400, `filename metadata is longer than ${MAX_FILENAME_LENGTH} characters`);
  }
  const filetype = pick('filetype', 'type');
  if (filetype !== null && (filetype.length > 255 || !/^[\w.+-]+\/[\w.+-]+/.test(filetype))) {
    throw new TusHttpError(400, 'filetype metadata is not a MIME type');
  }
  const sha256 = pick('sha256');
  if (sha256 !== null && !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new TusHttpError(400, 'sha256 metadata must be 64 hexadecimal characters');
  }
  return { filename, filetype, sha256: sha256?.toLowerCase() ?? null };
}

/**
 * The creation's `Upload-Metadata` as a header again, for the database row: the one record of
 * an upload's metadata (upload-row.configstore.ts), echoed by HEAD; null when the upload has none.
 */
export function uploadMetadataHeader(upload: Upload): string | null {
  const metadata = upload.metadata ?? {};
  return Object.keys(metadata).length > 0 ? Metadata.stringify(metadata) : null;
}

/**
 * `Upload-Metadata` is stored with the upload (the tus sidecar) while it is open: its size and
 * number of keys are capped before anything is created (400 naming the cap).
 */
export function checkMetadataLimits(header: string | undefined, limits: { maxMetadataBytes: number; maxMetadataKeys: number }): void {
  if (header === undefined) return;
  const bytes = Buffer.byteLength(header);
  if (bytes > limits.maxMetadataBytes) {
    throw new AppError('E_BAD_REQUEST', `Upload-Metadata is ${bytes} bytes; at most ${limits.maxMetadataBytes} are allowed (MAX_METADATA_BYTES)`);
  }
  const keys = header.split(',').filter((pair) => pair.trim() !== '').length;
  if (keys > limits.maxMetadataKeys) {
    throw new AppError('E_BAD_REQUEST', `Upload-Metadata has ${keys} keys; at most ${limits.maxMetadataKeys} are allowed (MAX_METADATA_KEYS)`);
  }
}

/**
 * `Upload-Metadata` of an upload, from its row: the creation's header as kept; for a row made
 * before that column existed, the keys the file row keeps. Undefined when none.
 */
export function uploadMetadataOf({ upload, file }: UploadView): string | undefined {
  if (upload.uploadMetadata) return upload.uploadMetadata;
  const kept: Record<string, string> = {};
  if (file.originalFilename) kept.filename = file.originalFilename;
  if (file.declaredType) kept.filetype = file.declaredType;
  if (file.expectedSha256) kept.sha256 = file.expectedSha256;
  return Object.keys(kept).length > 0 ? Metadata.stringify(kept) : undefined;
}
