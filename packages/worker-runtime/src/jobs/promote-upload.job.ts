import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { finalKey, finalRef, isNotFound, quarantineRef, quarantineSidecars, supportsRename, type ObjectRef, type StorageDriver } from '@airlock/storage';
import type { JobHandler, WorkerDeps } from '../handlers.js';

/**
 * upload.promote: clean bytes from quarantine to final storage, crash-resumable:
 * 1. record the intent (the final key) while the file is `scanning`;
 * 2. move: a rename where the storage can (same filesystem: the very bytes that were
 *    scanned), else copy and verify size and SHA-256 against the scan before deleting;
 * 3. delete the quarantine copy and the tus sidecars;
 * 4. scanning → complete.
 * A crash anywhere converges on the next delivery: each step checks where the bytes are.
 */
export function promoteUpload({ db, storage }: WorkerDeps): JobHandler<'upload.promote'> {
  return async ({ fileId }, { logger }) => {
    const view = await db.uploads.findByFile(fileId);
    const file = view?.file;
    if (!view || !file || file.status !== 'scanning' || file.scan.result !== 'clean' || !file.checksumSha256 || file.sizeBytes === null) {
      logger.info({ fileId, status: file?.status ?? null, scan: file?.scan.result ?? null }, 'promote: nothing to do');
      return;
    }
    const key = file.storagePath ?? finalKey(fileId);
    if (!file.storagePath && !(await db.files.update(fileId, 'scanning', new Date(), { storagePath: key }))) return;

    const source = quarantineRef(view.upload.id);
    const target = finalRef(key);
    const expected = { size: file.sizeBytes, sha256: file.checksumSha256 };
    if (await storage.stat(source)) {
      const renamed = supportsRename(storage) && (await storage.rename(source, target));
      if (!renamed) {
        await storage.copy(source, target);
        await verify(storage, target, expected);
      }
    } else {
      // A previous delivery moved the bytes and died before finishing: they must be whole.
      const landed = await storage.stat(target);
      if (!landed || landed.size !== expected.size) {
        throw new Error(`promote: the bytes of ${fileId} are in neither quarantine nor final storage`);
      }
    }
    await Promise.all([source, ...quarantineSidecars(view.upload.id)].map((ref) => storage.delete(ref)));
    if (await db.files.transition(fileId, 'complete', new Date(), { storagePath: key })) {
      logger.info({ fileId, key, size: expected.size }, 'promote: complete');
      return;
    }
    // The file ended while it was being promoted (its owner deleted it: failed / terminated):
    // the copy made here belongs to nothing, so it goes, and this run ends without error.
    const now = await db.files.find(fileId);
    if (now && now.status !== 'complete') {
      await storage.delete(target);
      logger.info({ fileId, status: now.status }, 'promote: the file ended during promotion; its final copy removed');
    }
  };
}

/** Reads the copy back: it must be exactly the bytes that were scanned. On a mismatch the copy is removed. */
async function verify(storage: StorageDriver, ref: ObjectRef, expected: { size: number; sha256: string }): Promise<void> {
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
    await storage.delete(ref);
    throw new Error(`promote: the copy does not match the scanned bytes (size ${size}/${expected.size})`);
  }
}
