import type { Config } from '@airlock/config';
import { AppError, isEvidence, type FileRecord } from '@airlock/core';
import type { Database } from '@airlock/db';
import { finalRef, quarantineRef, quarantineSidecars, type StorageDriver } from '@airlock/storage';
import type { Locker } from '@tus/utils';
import type { Logger } from 'pino';

export interface DeleteFileDeps {
  config: Config;
  db: Database;
  logger: Logger;
  storage: StorageDriver;
  /** The tus upload lock: a PATCH writing into the upload is asked to stop first. */
  locker: Locker;
}

/** How long a delete waits for the upload's lock (a PATCH is asked to release it at once). */
const LOCK_WAIT_MS = 10_000;

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
  if (isEvidence(file.status)) return hideEvidence(deps, file, by, now);
  const upload = await db.uploads.findByFile(file.id);
  const lock = upload ? deps.locker.newLock(upload.upload.id) : undefined;
  if (lock) {
    await lock.lock(AbortSignal.timeout(LOCK_WAIT_MS), async () => {}).catch((error: unknown) => {
      // A writer that would not let go, or Redis down: nothing was changed; the client retries.
      throw new AppError('E_UNAVAILABLE', 'the upload is busy; retry the delete shortly', { cause: error });
    });
  }
  try {
    const current = await endUnderLock(deps, file.id, now);
    if (isEvidence(current.status)) return await hideEvidence(deps, current, by, now);
    // The row is marked first: if removing bytes fails here, garbage collection finishes it.
    const refs = [
      ...(current.storagePath ? [finalRef(current.storagePath)] : []),
      ...(upload ? [quarantineRef(upload.upload.id), ...quarantineSidecars(upload.upload.id)] : []),
    ];
    await Promise.all(refs.map((ref) => storage.delete(ref)));
    await db.files.markPurged(file.id, new Date());
    logger.info({ audit: 'delete', fileId: file.id, by, status: current.status }, 'file deleted');
  } finally {
    await lock?.unlock().catch(() => {});
  }
}

async function hideEvidence({ db, logger }: DeleteFileDeps, file: FileRecord, by: string, now: Date): Promise<void> {
  if (!(await db.files.markDeleted(file.id, now))) throw new AppError('E_NOT_FOUND', 'file not found');
  logger.info({ audit: 'delete', fileId: file.id, by, status: file.status }, 'file hidden from its owner; bytes kept until retention');
}

/** Rounds of "end it, then mark it": each one that fails saw the file move on by itself. */
const MAX_ROUNDS = 5;

/**
 * Under the upload's lock, from the record as it is now (a PATCH may have finished the upload,
 * or a stage moved the file, since the caller read it): ends an open upload or a pipeline run
 * still going, then marks the terminal file deleted — one conditional update that also stops a
 * complete file's size from counting (FileRepository.markDeleted), so the quota is settled
 * exactly once whoever wins. Evidence is returned unmarked (its caller only hides it). Returns
 * the file as it was marked; E_NOT_FOUND when it is gone or was already deleted.
 */
async function endUnderLock({ db }: DeleteFileDeps, fileId: string, now: Date): Promise<FileRecord> {
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const view = await db.uploads.findByFile(fileId);
    const file = view?.file ?? (await db.files.find(fileId));
    if (!file || file.deletedAt) throw new AppError('E_NOT_FOUND', 'file not found');
    if (isEvidence(file.status)) return file;
    if (view?.upload.status === 'open') {
      await db.uploads.abort(view.upload.id, 'failed', 'terminated', now);
    } else if (file.status === 'assembling' || file.status === 'scanning') {
      await db.files.transition(file.id, 'failed', now, { failureReason: 'terminated' });
    } else if (await db.files.markDeleted(file.id, now)) {
      return file;
    }
  }
  throw new AppError('E_UNAVAILABLE', 'the file kept changing while it was deleted; retry the delete shortly');
}
