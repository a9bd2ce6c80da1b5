import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { finalKey, finalRef, isNotFound, quarantineRef, supportsRename, type ObjectRef, type StorageDriver } from '@airlock/storage';
import { lockedUpload, removeBytes } from '../bytes/remove-bytes.js';
import type { JobHandler, WorkerDeps } from '../job-types.js';
import type { Logger } from '../logger.js';
import { stageOf } from '../stage.js';
import { settle } from '../settle.js';
import { BUSY, createUploadLocks } from './gc/upload-lock.js';
import { PermanentFailure, beginAttempt, endFile, failAttempt } from './stage-outcome.js';

/**
 * upload.promote: clean bytes from quarantine to final storage, crash-resumable:
 * 1. record the intent (the final key) while the file is `scanning`;
 * 2. move: a rename where the storage can (same filesystem: the very bytes that were
 *    scanned), else copy and verify size and SHA-256 against the scan before deleting;
 * 3. delete the quarantine copy and the tus sidecars, under the upload's lock (removeBytes);
 * 4. scanning → complete.
 * A crash anywhere converges on the next delivery: each step checks where the bytes are.
 * Bytes in neither place end the file failed / bytes_missing at once; other failures are
 * retried until STAGE_MAX_ATTEMPTS attempts are spent (failed / pipeline_error). A file that
 * ends failed keeps no copy in final storage.
 */
export function promoteUpload(deps: WorkerDeps): JobHandler<'upload.promote'> {
  const { db, storage } = deps;
  const locks = createUploadLocks(deps.redis);
  return async ({ fileId }, { logger }) => {
    const view = await db.uploads.findByFile(fileId);
    const file = view?.file ?? (await db.files.find(fileId));
    if (!file || stageOf(file) !== 'promote') {
      logger.info({ fileId, status: file?.status ?? null, scan: file?.scan.result ?? null }, 'promote: nothing to do');
      return;
    }
    if (!view || !file.checksumSha256 || file.sizeBytes === null) {
      // Scanned clean, yet without the session, checksum or size promotion needs: it can never pass.
      await endFile(deps, logger, fileId, 'failed', 'invalid_record');
      return;
    }
    // The client's SHA-256 holds here too. The scan checks it, but a scan stopped between
    // recording its clean verdict and failing the file (a SIGKILLed scanner) leaves the file
    // `scanning` and clean: the promote stage (stageOf). It ends as the scan would have ended it.
    if (file.expectedSha256 && file.expectedSha256 !== file.checksumSha256) {
      await settle(db, fileId, 'failed', new Date(), { failureReason: 'checksum_mismatch' });
      logger.info({ fileId }, 'promote: the declared SHA-256 does not match the scanned bytes; failed / checksum_mismatch');
      return;
    }
    const key = file.storagePath ?? finalKey(fileId);
    const source = quarantineRef(view.upload.id);
    const attempt = await beginAttempt(deps, logger, fileId, 'promote', 'scanning');
    if (!attempt) {
      // The budget was spent (the file has just ended failed) or the file moved on: unless it is
      // complete, a copy an earlier delivery left in final storage belongs to nothing.
      const now = await db.files.find(fileId);
      if (now && now.status !== 'complete' && now.status !== 'scanning') await removeCopy(storage, key, logger, fileId);
      return;
    }
    if (!file.storagePath && !(await db.files.update(fileId, 'scanning', new Date(), { storagePath: key }))) return;

    const expected = { size: file.sizeBytes, sha256: file.checksumSha256 };
    try {
      await moveToFinal(storage, source, key, expected);
      // Only the deletion holds the lock (a move may outlast the lock's TTL); a holder is a
      // request or a deletion of this upload: this attempt fails and is retried with backoff.
      const uploadId = view.upload.id;
      if ((await locks.withLock(uploadId, () => removeBytes(storage, { upload: lockedUpload(uploadId) }))) === BUSY) {
        throw new Error('promote: the upload is locked by a request or a deletion; the quarantine copy stays until the retry');
      }
    } catch (error) {
      // Deleted while it was being promoted (its bytes may have gone mid-copy): no failure of ours.
      const now = await db.files.find(fileId);
      if (now?.status !== 'scanning') {
        if (now?.status !== 'complete') await removeCopy(storage, key, logger, fileId);
        logger.info({ fileId, status: now?.status ?? null }, 'promote: the file ended during promotion');
        return;
      }
      if (await failAttempt(deps, logger, fileId, 'promote', attempt, error)) await removeCopy(storage, key, logger, fileId);
      return;
    }
    if (await settle(db, fileId, 'complete', new Date(), { storagePath: key })) {
      logger.info({ fileId, key, size: expected.size }, 'promote: complete');
      return;
    }
    // The file ended while it was being promoted (its owner deleted it: failed / terminated):
    // the copy made here belongs to nothing, so it goes, and this run ends without error.
    const now = await db.files.find(fileId);
    if (now && now.status !== 'complete') {
      await removeBytes(storage, { storagePath: key });
      logger.info({ fileId, status: now.status }, 'promote: the file ended during promotion; its final copy removed');
    }
  };
}

/**
 * Step 2 of the promotion, resumable: bytes still in quarantine are moved (again: a crash may
 * have left a copy, which is overwritten); bytes no longer in quarantine must be whole in final
 * storage, moved by an earlier delivery that died before finishing. In neither: bytes_missing.
 */
async function moveToFinal(storage: StorageDriver, source: ObjectRef, key: string, expected: { size: number; sha256: string }): Promise<void> {
  const target = finalRef(key);
  if (await storage.stat(source)) {
    const renamed = supportsRename(storage) && (await storage.rename(source, target));
    if (!renamed) {
      await storage.copy(source, target);
      await verify(storage, key, expected);
    }
    return;
  }
  const landed = await storage.stat(target);
  if (!landed || landed.size !== expected.size) {
    throw new PermanentFailure(
      'bytes_missing',
      `promote: the bytes are in neither quarantine nor final storage (final: ${landed ? `${landed.size} bytes` : 'none'})`,
    );
  }
}

/** A file that ended failed keeps no bytes in final storage; best effort (GC sweeps orphans). */
async function removeCopy(storage: StorageDriver, key: string, logger: Logger, fileId: string): Promise<void> {
  await removeBytes(storage, { storagePath: key }).catch((error: Error) =>
    logger.warn({ fileId, err: error.message }, 'promote: could not remove the final copy'),
  );
}

/** Reads the copy back: it must be exactly the bytes that were scanned. On a mismatch the copy is removed. */
async function verify(storage: StorageDriver, key: string, expected: { size: number; sha256: string }): Promise<void> {
  const ref = finalRef(key);
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(await storage.read(ref), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        size += chunk.length;
        hash.update(chunk);
      }
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const sha256 = hash.digest('hex');
  if (size !== expected.size || sha256 !== expected.sha256) {
    await removeBytes(storage, { storagePath: key });
    throw new Error(`promote: the copy does not match the scanned bytes (size ${size}/${expected.size})`);
  }
}
