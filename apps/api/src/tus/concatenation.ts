import type { Config } from '@airlock/config';
import { AppError, type UploadView } from '@airlock/core';
import { ConcatenationError, QuotaExceededError, type Database } from '@airlock/db';
import { removeBytes } from '@airlock/pipeline';
import { quarantineRef, type StorageDriver } from '@airlock/storage';
import { Metadata, Upload, type Locker } from '@tus/utils';
import type { Logger } from 'pino';
import type { Caller } from '../auth/tokens.js';
import { withUploadLock } from '../files/with-upload-lock.js';
import { RejectedUploadError } from './guarded-store.js';
import { withTusContext } from './request-context.js';
import type { Tus } from './tus-server.js';
import { isValidId, newId } from './upload-id.js';
import { readUploadMetadata, uploadMetadataHeader } from './upload-metadata.js';

interface Deps {
  config: Config;
  db: Database;
  tus: Tus;
  storage: StorageDriver;
  logger: Logger;
  /** The upload lock: the final upload's bytes are written under its own, like a PATCH's; each partial's are removed under theirs. */
  locker: Locker;
}

const MAX_PARTS = 100;

/**
 * `POST /uploads` with `Upload-Concat: final;<url> <url> …` (tus concatenation): the final
 * upload is built from finished partial uploads of the same user, in order. @tus/server has
 * no concatenation, so Airlock does it: the database takes the partials' quota reservations
 * over (they count once) and retires them in one transaction; then their bytes are streamed,
 * in order, through the guarded quarantine store into the final upload (so its first bytes
 * get the type check like any other upload's), which then enters the pipeline like any other.
 */
export async function createFinalUpload(
  { config, db, tus, storage, logger, locker }: Deps,
  caller: Caller,
  header: string,
  metadataHeader: string | undefined,
): Promise<UploadView> {
  const partialIds = parsePartials(header);
  const views = await Promise.all(partialIds.map((id) => db.uploads.find(id)));
  let total = 0;
  let distinct = 0;
  const seen = new Set<string>();
  for (const [index, view] of views.entries()) {
    if (!view || view.upload.ownerId !== caller.userId) throw new AppError('E_NOT_FOUND', `partial upload ${partialIds[index]} not found`);
    if (view.upload.concatRole !== 'partial' || view.upload.totalSize === null || view.upload.bytesReceived !== view.upload.totalSize) {
      throw new AppError('E_BAD_REQUEST', `upload ${partialIds[index]} is not a finished partial upload`);
    }
    total += view.upload.totalSize;
    if (!seen.has(view.upload.id)) distinct += view.upload.totalSize;
    seen.add(view.upload.id);
  }
  if (total > config.maxUploadSize) throw new AppError('E_TOO_LARGE', `the concatenated upload (${total} bytes) exceeds MAX_UPLOAD_SIZE`);

  let metadata: Record<string, string | null> | undefined;
  try {
    metadata = metadataHeader ? Metadata.parse(metadataHeader) : undefined;
  } catch {
    throw new AppError('E_BAD_REQUEST', 'Upload-Metadata is invalid');
  }
  const upload = new Upload({ id: newId(), size: total, offset: 0, ...(metadata ? { metadata } : {}) });
  const meta = readUploadMetadata(upload);
  const now = new Date();
  const final = await db.uploads
    .concatenate(
      {
        uploadId: upload.id,
        fileId: newId(),
        ownerId: caller.userId,
        originalFilename: meta.filename,
        declaredType: meta.filetype,
        expectedSha256: meta.sha256,
        totalSize: total,
        chunkSize: config.chunkSize,
        expiresAt: new Date(now.getTime() + config.uploadExpirySeconds * 1000),
        now,
        // The partials' reservations move to the final; a partial listed twice adds its bytes again.
        reserveBytes: total - distinct,
        defaultQuota: config.quotaBytes,
        concatRole: 'final',
        concatParts: partialIds,
        uploadMetadata: uploadMetadataHeader(upload),
      },
      partialIds,
    )
    .catch((error: unknown) => {
      if (error instanceof ConcatenationError) {
        throw new AppError(error.reason === 'not_found' ? 'E_NOT_FOUND' : error.reason === 'expired' ? 'E_GONE' : 'E_BAD_REQUEST', error.message);
      }
      if (error instanceof QuotaExceededError) throw new AppError('E_QUOTA_EXCEEDED', error.message);
      throw error;
    });

  // Each partial's bytes go under its own upload lock, like any upload's. Not the client's
  // failure if that cannot happen now (a lock held too long, storage away): the partials are
  // retired (failed, deleted) in the database, and garbage collection purges their bytes later.
  const removePartials = () =>
    Promise.all([...seen].map((id) => withUploadLock(locker, id, (held) => removeBytes(storage, { upload: held })))).catch((error: unknown) => {
      logger.warn({ err: (error as Error).message, uploadId: upload.id }, 'concatenation: partial bytes left for garbage collection');
    });
  // The final upload is listed in the files API from now on: a DELETE of it (or GC) takes its
  // upload lock and asks the holder to let go, so the bytes are written under that lock, as a
  // PATCH writes, and the write stops when asked (the upload is then being deleted).
  const released = new AbortController();
  await withUploadLock(
    locker,
    upload.id,
    async () => {
      try {
        await withTusContext({ caller, uploadId: upload.id }, async () => {
          await tus.store.create(upload);
          let offset = 0;
          for (const id of partialIds) {
            const part = await storage.read(quarantineRef(id));
            const stop = () => part.destroy(new Error('the final upload is being deleted'));
            released.signal.addEventListener('abort', stop, { once: true });
            if (released.signal.aborted) stop();
            offset = await tus.store.write(part, upload.id, offset).finally(() => released.signal.removeEventListener('abort', stop));
          }
        });
      } catch (error) {
        if (error instanceof RejectedUploadError) {
          await removePartials();
          throw new AppError('E_TYPE_NOT_ALLOWED', error.message);
        }
        if (released.signal.aborted) throw new AppError('E_GONE', 'the concatenated upload was deleted while it was being assembled', { cause: error });
        // The final stays open with what it has, and expires; the partials' bytes are kept
        // until retention in case the failure was passing.
        logger.error({ err: error, uploadId: upload.id }, 'concatenation failed');
        throw error;
      }
      if (await db.uploads.finish(upload.id, total, new Date())) await tus.startPipeline(final.file.id);
    },
    () => released.abort(),
  );
  await removePartials();
  return (await db.uploads.find(upload.id))!;
}

/** `final;/uploads/a /uploads/b` or absolute URLs of this service; ids in order, repeats kept. */
function parsePartials(header: string): string[] {
  const urls = header.slice('final;'.length).trim().split(/\s+/).filter(Boolean);
  if (urls.length === 0 || urls.length > MAX_PARTS) throw new AppError('E_BAD_REQUEST', `Upload-Concat: final needs 1 to ${MAX_PARTS} partial upload URLs`);
  const ids = urls.map((url) => {
    let path: string;
    try {
      path = new URL(url, 'http://placeholder').pathname;
    } catch {
      throw new AppError('E_BAD_REQUEST', `invalid partial upload URL: ${url.slice(0, 100)}`);
    }
    const id = /^\/uploads\/([^/]+)$/.exec(path)?.[1];
    if (!isValidId(id)) throw new AppError('E_BAD_REQUEST', `invalid partial upload URL: ${url.slice(0, 100)}`);
    return id;
  });
  // tus: the same partial MAY appear several times; its bytes are then concatenated again.
  return ids;
}
