import type { StoredFile } from '@airlock/db';
import { lockedUpload, removeBytes } from '../../bytes/remove-bytes.js';
import type { GcPass } from './gc-context.js';
import { BUSY } from './upload-lock.js';

export type PurgeOutcome = 'purged' | 'already' | 'busy' | 'live';

/**
 * Removes every byte a file may have (quarantine object, tus sidecars, an incomplete S3
 * multipart upload, the final object), then records `purged_at`. Refuses live work: a file in
 * the pipeline (`assembling`, `scanning`), an upload still open, a complete file nobody
 * deleted. Runs under the upload's lock, so no chunk is written while its bytes go.
 *
 * Crash-safe in any order: every deletion is idempotent and `purged_at` is set last, so a
 * pass that dies half-way leaves a row the next pass finds and finishes.
 */
export async function purgeFile(pass: GcPass, stored: StoredFile): Promise<PurgeOutcome> {
  if (isLive(stored)) return 'live';
  const run = () => removeBytesAndMark(pass, stored);
  if (!stored.upload) return run();
  const outcome = await pass.locks.withLock(stored.upload.id, run);
  return outcome === BUSY ? 'busy' : outcome;
}

/** Inside the upload's lock already (expiry holds it across abort and purge). */
export async function removeBytesAndMark(pass: GcPass, stored: StoredFile): Promise<'purged' | 'already'> {
  // Only called inside the upload's lock (purgeFile, expiry), or for a file without a session.
  await removeBytes(pass.storage, { upload: stored.upload ? lockedUpload(stored.upload.id) : null, storagePath: stored.file.storagePath });
  if (!(await pass.db.files.markPurged(stored.file.id, pass.now))) return 'already';
  pass.report.purged += 1;
  pass.logger.info({ fileId: stored.file.id, uploadId: stored.upload?.id ?? null, status: stored.file.status }, 'gc: bytes purged');
  return 'purged';
}

/** Never purged, however old: bytes that are being uploaded, checked, promoted or served. */
export function isLive({ file, upload }: StoredFile): boolean {
  if (file.status === 'assembling' || file.status === 'scanning') return true;
  if (upload?.status === 'open') return true;
  return file.status === 'complete' && file.deletedAt === null;
}
