import type { Config } from '@airlock/config';
import { AppError, isEvidence, type FileRecord } from '@airlock/core';
import type { Database } from '@airlock/db';
import { removeBytes, settle, type LockedUpload } from '@airlock/pipeline';
import type { StorageDriver } from '@airlock/storage';
import type { Locker } from '@tus/utils';
import type { Logger } from 'pino';
import { withUploadLock } from './with-upload-lock.js';

export interface DeleteFileDeps {
  config: Config;
  db: Database;
  logger: Logger;
  storage: StorageDriver;
  /** The tus upload lock: a PATCH writing into the upload is asked to stop first. */
  locker: Locker;
}

/**
 * Deletes a file for its owner, wherever it is (DELETE /files/:id, and tus termination of a
 * finished upload: one code path, the same guarantees):
 * - evidence (`quarantined`, `rejected`, `scan_failed`) is only hidden from its owner: the
 *   bytes and the row stay until retention (an uploader cannot erase what was found);
 * - otherwise, under the upload's tus lock (a PATCH writing is asked to release it): an open
 *   upload is terminated, a file still in the pipeline (`assembling`, `scanning`) ends
 *   `failed` / `terminated` (quota released once, by that conditional transition; the stage
 *   that holds it finds nothing to do, and a promotion under way removes its copy), a
 *   `complete` file's bytes stop counting; then the row is marked deleted and the bytes are
 *   removed from quarantine and final storage. Whatever ended here has its `file.failed` event in
 *   the outbox (written by the database layer with the transition).
 *
 * `by` names who deleted it, for the audit line. Throws E_NOT_FOUND when it was already deleted.
 */
export async function deleteFile(deps: DeleteFileDeps, file: FileRecord, by: string): Promise<void> {
  const { db, storage, logger } = deps;
  const now = new Date();
  if (isEvidence(file.status)) {
    if (!(await db.files.markDeleted(file.id, now))) throw new AppError('E_NOT_FOUND', 'file not found');
    logger.info({ audit: 'delete', fileId: file.id, by, status: file.status }, 'file hidden from its owner; bytes kept until retention');
    return;
  }
  const upload = await db.uploads.findByFile(file.id);
  const run = async (held: LockedUpload | null): Promise<void> => {
    const ended = await endWherever(deps, file, upload?.upload.id, upload?.upload.status === 'open', now);
    const current = ended ?? file;
    if (current !== file && isEvidence(current.status)) return deleteFile(deps, current, by);
    if (!(await db.files.markDeleted(file.id, now))) throw new AppError('E_NOT_FOUND', 'file not found');
    // The row is marked first: if removing bytes fails here, garbage collection finishes it.
    await removeBytes(storage, { upload: held, storagePath: current.storagePath });
    await db.files.markPurged(file.id, new Date());
    logger.info({ audit: 'delete', fileId: file.id, by, status: current.status }, 'file deleted');
  };
  // Under the upload's lock: a PATCH writing into it is asked to stop first.
  if (!upload) return run(null);
  await withUploadLock(deps.locker, upload.upload.id, run);
}

/**
 * Ends an upload or a pipeline run that is still going; returns the file as it now is when it
 * moved on meanwhile (it may have become `complete` or evidence), or undefined when unchanged.
 */
async function endWherever(deps: DeleteFileDeps, file: FileRecord, uploadId: string | undefined, open: boolean, now: Date): Promise<FileRecord | undefined> {
  const { db } = deps;
  if (open && uploadId) {
    await db.uploads.abort(uploadId, 'failed', 'terminated', now);
    return undefined;
  }
  if (file.status !== 'assembling' && file.status !== 'scanning') return undefined;
  if (await settle(db, file.id, 'failed', now, { failureReason: 'terminated' })) return undefined;
  // The pipeline finished it first: delete it as what it is now.
  return (await db.files.find(file.id)) ?? undefined;
}
