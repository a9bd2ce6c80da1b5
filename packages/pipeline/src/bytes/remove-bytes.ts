import { finalRef, quarantineRef, quarantineSidecars, supportsMultipartCleaning, type ObjectRef, type StorageDriver } from '@airlock/storage';

declare const held: unique symbol;

/**
 * An upload whose lock the caller holds: made by `lockedUpload` inside the critical section
 * of the upload lock (the API's tus locker, garbage collection's and promotion's
 * `withLock`). A type, so that removing an upload's bytes without saying "I hold its lock"
 * does not compile, and every place that says it can be found by name.
 */
export interface LockedUpload {
  readonly uploadId: string;
  readonly [held]: true;
}

/** Call only while holding the lock of `uploadId` (see LockedUpload). */
export function lockedUpload(uploadId: string): LockedUpload {
  return { uploadId } as LockedUpload;
}

/** Which of a file's bytes to remove. */
export interface BytesToRemove {
  /** The upload session's quarantine bytes: the object, the tus sidecars, an incomplete S3 multipart upload. */
  upload?: LockedUpload | null;
  /** The object in final storage (`files.storage_path`). */
  storagePath?: string | null;
}

/**
 * Removes an upload's bytes: THE one way Airlock deletes a file's bytes (tus termination,
 * DELETE /files/:id, garbage collection, promotion's clean-up, concatenation's partials).
 * Under the upload's lock (the type says so), so no chunk is written while its bytes go.
 *
 * Idempotent and crash-safe: a missing object is no error (StorageDriver.delete does not throw
 * for one), so a caller that died half-way runs it again. Rejects when storage fails; nothing
 * is recorded here (the caller records `purged_at` once it resolved).
 */
export async function removeBytes(storage: StorageDriver, { upload = null, storagePath = null }: BytesToRemove): Promise<void> {
  const refs: ObjectRef[] = [];
  if (upload) refs.push(quarantineRef(upload.uploadId), ...quarantineSidecars(upload.uploadId));
  if (storagePath) refs.push(finalRef(storagePath));
  await Promise.all(refs.map((ref) => storage.delete(ref)));
  if (upload && supportsMultipartCleaning(storage)) {
    // @tus/s3-store's multipart upload is keyed by the upload id; other keys sharing the prefix are not ours to end.
    for await (const incomplete of storage.listIncompleteUploads('quarantine', upload.uploadId)) {
      if (incomplete.key === upload.uploadId) await storage.abortIncompleteUpload('quarantine', incomplete.key, incomplete.uploadId);
    }
  }
}
