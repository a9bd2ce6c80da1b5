import type { Readable } from 'node:stream';

/**
 * Where an object lives. `quarantine` holds bytes nobody may download (tus writes there:
 * key = upload id); `final` holds clean, promoted files. Local: two folders under DATA_DIR.
 * S3: the quarantine bucket at its root (where @tus/s3-store writes `<id>`, `<id>.info`,
 * `<id>.part`) and the final bucket under the `files/` prefix (the two buckets may be one).
 */
export type Area = 'quarantine' | 'final';

export interface ObjectRef {
  area: Area;
  /** Relative key, `/`-separated. Keys that would escape their area are refused (E_INVALID_KEY). */
  key: string;
}

export interface ObjectStat {
  size: number;
  lastModified: Date;
  /** Strong validator for HTTP caching, quoted as in an ETag header; null when unknown. */
  etag: string | null;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export type StorageErrorCode = 'E_NOT_FOUND' | 'E_INVALID_KEY' | 'E_INVALID_RANGE' | 'E_STORAGE';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof StorageError && error.code === 'E_NOT_FOUND';
}

/**
 * The storage contract. Every implementation passes the same suite
 * (`describeStorageDriver` in `@airlock/storage/testing`).
 */
export interface StorageDriver {
  readonly backend: 'local' | 's3';
  /**
   * Streams the bytes (all, or `range`). Throws E_NOT_FOUND when the object is missing and
   * E_INVALID_RANGE when the range is outside the object. Never buffers the whole object.
   */
  read(ref: ObjectRef, range?: ByteRange): Promise<Readable>;
  /**
   * Writes `body` atomically: a reader sees the old object or the whole new one, never a
   * part (local: temp file, fsync, rename, fsync the directory; S3: single PUT below
   * the multipart threshold, multipart above it, aborted on failure). Resolves with the
   * size written; rejects with E_STORAGE (nothing is left behind) when the body errors.
   */
  write(ref: ObjectRef, body: Readable, options?: { contentType?: string }): Promise<{ size: number }>;
  /** Idempotent: a missing object is not an error. */
  delete(ref: ObjectRef): Promise<void>;
  /** null when the object is missing. */
  stat(ref: ObjectRef): Promise<ObjectStat | null>;
  /** Every object whose key starts with `prefix` in `area`, in no particular order; pages internally. */
  list(area: Area, prefix: string): AsyncIterable<{ key: string; size: number; lastModified: Date }>;
  /**
   * Read-only reachability of an area, for readiness probes: local, its folder exists and this
   * process may read and write it (checked, nothing written); S3, HeadBucket on its bucket (one
   * request). Rejects with E_NOT_FOUND (no folder, no bucket) or E_STORAGE (denied, unreachable),
   * the cause attached.
   */
  checkAccess(area: Area): Promise<void>;
  /**
   * Copies an object (server-side on S3, across areas too). Throws E_NOT_FOUND when the
   * source is missing. The destination is replaced atomically.
   */
  copy(from: ObjectRef, to: ObjectRef): Promise<void>;
}

/** Optional capability: a URL the client can fetch directly (S3 presigned GET). */
export interface PresigningDriver extends StorageDriver {
  /**
   * `contentDisposition` and `contentType` are sent as given and signed into the URL; the
   * caller builds the disposition (the API's one sanitiser). Throws E_STORAGE for an expiry
   * outside 1 s – 7 days.
   */
  presignGet(ref: ObjectRef, options: { expiresInSeconds: number; contentDisposition: string; contentType: string }): Promise<string>;
}

export function supportsPresign(driver: StorageDriver): driver is PresigningDriver {
  return typeof (driver as Partial<PresigningDriver>).presignGet === 'function';
}

/** Optional capability: an atomic rename within one filesystem (local). */
export interface RenamingDriver extends StorageDriver {
  /** Moves without copying when source and destination share a filesystem; false when they do not (EXDEV). */
  rename(from: ObjectRef, to: ObjectRef): Promise<boolean>;
}

export function supportsRename(driver: StorageDriver): driver is RenamingDriver {
  return typeof (driver as Partial<RenamingDriver>).rename === 'function';
}

/**
 * Optional capability: sweeping the temp files of writes whose process died before the
 * rename (local). Temp files are never listed, read or deleted through the other methods.
 */
export interface TempSweepingDriver extends StorageDriver {
  /** Removes `area`'s temp files last modified before `before`; resolves with how many. Throws E_STORAGE when the folder cannot be read. */
  removeTempLeftovers(area: Area, before: Date): Promise<number>;
}

export function supportsTempSweeping(driver: StorageDriver): driver is TempSweepingDriver {
  return typeof (driver as Partial<TempSweepingDriver>).removeTempLeftovers === 'function';
}

/** A multipart upload that was started and neither completed nor aborted. */
export interface IncompleteUpload {
  /** The key the upload would create, relative to its area. */
  key: string;
  /** The S3 upload id: with the key, what names this one upload. */
  uploadId: string;
  initiated: Date;
}

/**
 * Optional capability: finding and ending incomplete multipart uploads (S3), whose parts
 * are stored, and paid for, until someone aborts them. Only what is listed and chosen is
 * aborted: there is deliberately no "abort everything older than".
 */
export interface MultipartCleaningDriver extends StorageDriver {
  /** Incomplete uploads in `area` whose key starts with `prefix` (default: all), in no particular order; pages internally. */
  listIncompleteUploads(area: Area, prefix?: string): AsyncIterable<IncompleteUpload>;
  /** Idempotent: an upload already completed or aborted is not an error. Throws E_INVALID_KEY for a key outside the area. */
  abortIncompleteUpload(area: Area, key: string, uploadId: string): Promise<void>;
}

export function supportsMultipartCleaning(driver: StorageDriver): driver is MultipartCleaningDriver {
  const candidate = driver as Partial<MultipartCleaningDriver>;
  return typeof candidate.listIncompleteUploads === 'function' && typeof candidate.abortIncompleteUpload === 'function';
}
