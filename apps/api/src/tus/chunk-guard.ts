import type { Config } from '@airlock/config';
import { QuotaExceededError, TooManyOpenUploadsError, type Database } from '@airlock/db';
import { detectSample, isAllowedType } from '@airlock/filetype';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../metrics/metrics.js';
import { peek } from './chunk-streams.js';
import { RejectedUploadError, type ChunkGuard } from './guarded-store.js';
import { finishedView, knownView, tusContext, type TusRequestContext } from './request-context.js';
import { TusHttpError } from './tus-error.js';

/** Enough for file-type's signatures (ZIP-based Office formats included) and the text rule. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * The checks a chunk passes before it is kept (contract section 5):
 * - `Upload-Checksum` (tus checksum extension) → 460 on mismatch, `Content-MD5` → 400; the
 *   chunk is verified before any byte of it reaches the upload, so the offset never moves;
 * - the first bytes of an upload (offset 0) must show an allowed type, else 415 and the
 *   upload is `rejected` and its bytes removed.
 */
export function createChunkGuard(deps: { config: Config; db: Database; logger: Logger; metrics: Pick<ApiMetrics, 'bytesReceived'> }): ChunkGuard {
  const { config, db, logger, metrics } = deps;
  const expiryMs = config.uploadExpirySeconds * 1000;
  /** Where the request's write started, so `accepted` counts only the bytes it added. */
  const chunkStarts = new WeakMap<TusRequestContext, number>();
  return {
    async admit(uploadId, offset, source) {
      let discard: (() => Promise<void>) | undefined;
      const context = tusContext();
      if (context) chunkStarts.set(context, offset);
      if (context?.checksum || context?.contentMd5) {
        const algorithms = [...new Set([context.checksum?.algorithm, context.contentMd5 ? 'md5' : undefined].filter(Boolean))] as string[];
        if (!context.spool) throw new Error('a checksummed chunk reached the store without a spool ticket');
        const spool = await context.spool.spool(source, algorithms);
        if (context.checksum && !spool.digests.get(context.checksum.algorithm)!.equals(context.checksum.digest)) {
          await spool.discard();
          throw new TusHttpError(460, 'Checksum Mismatch');
        }
        if (context.contentMd5 && !spool.digests.get('md5')!.equals(context.contentMd5)) {
          await spool.discard();
          throw new TusHttpError(400, 'Content-MD5 mismatch');
        }
        source = spool.open();
        discard = spool.discard;
      }
      if (context?.deferredLength !== undefined) {
        // Length unknown: the chunk's bytes are reserved before they are written.
        const upTo = context.deferredLength ?? offset + (context.contentLength ?? config.maxUploadSize);
        await reserveOrGone(db, uploadId, Math.min(upTo, config.maxUploadSize), config.quotaBytes);
      }
      if (offset === 0 && !context?.partial) {
        const { head, stream } = await peek(source, SAMPLE_BYTES);
        source = stream;
        // An empty first PATCH shows nothing yet: the next one at offset 0 is checked.
        if (head.length > 0) {
          const detection = await detectSample(head);
          if (!isAllowedType(detection.mime, config.allowedTypes)) {
            stream.destroy();
            await discard?.();
            await db.uploads.abort(uploadId, 'rejected', null, new Date());
            logger.info({ uploadId, mime: detection.mime, by: detection.by }, 'upload rejected at the door');
            throw new RejectedUploadError(415, `type ${detection.mime} is not allowed`);
          }
        }
      }
      return { source, ...(discard ? { discard } : {}) };
    },
    async lengthDeclared(uploadId, length) {
      await reserveOrGone(db, uploadId, length, config.quotaBytes);
      const at = new Date();
      if (!(await db.uploads.declareLength(uploadId, length, at))) return;
      // The request's view follows the row: the file store reads the length from it next.
      const context = tusContext();
      const view = knownView(uploadId);
      if (context && view) context.view = { ...view, upload: { ...view.upload, totalSize: length, updatedAt: at } };
    },
    async accepted(uploadId, offset) {
      const context = tusContext();
      const start = context ? chunkStarts.get(context) : undefined;
      if (context && start !== undefined && offset > start) {
        metrics.bytesReceived.inc(offset - start);
        chunkStarts.set(context, offset);
      }
      const at = new Date();
      const known = knownView(uploadId);
      // The chunk that completes an upload finishes it here, in one transaction, instead of a
      // chunk record followed by the finish (issue #15); the finish hook then only starts the
      // pipeline. Not a partial upload (never finished) nor a final one (its assembly finishes it).
      if (context && known && known.upload.concatRole === null && known.upload.totalSize === offset) {
        if (await db.uploads.finish(uploadId, offset, at)) {
          context.view = finishedView(known, offset, at);
          context.finishedHere = true;
        }
        return;
      }
      const recorded = await db.uploads.recordChunk(uploadId, { bytesReceived: offset, at, expiresAt: new Date(at.getTime() + expiryMs) }, known);
      if (context && recorded) context.view = recorded;
    },
  };
}

/** A deferred upload's reservation grows before its bytes are written; ended meanwhile (a DELETE won the race): 410. */
async function reserveOrGone(db: Database, uploadId: string, upTo: number, defaultQuota: number): Promise<void> {
  const open = await db.uploads.reserveUpTo(uploadId, upTo, defaultQuota, new Date()).catch(rethrowQuota);
  if (!open) throw new TusHttpError(410, 'upload gone: it ended while this request was under way');
}

/** Over quota at creation or while a deferred upload grows: 413; too many open uploads: 429; nothing changed. */
export function rethrowQuota(error: unknown): never {
  if (error instanceof QuotaExceededError) throw new TusHttpError(413, error.message);
  if (error instanceof TooManyOpenUploadsError) throw new TusHttpError(429, error.message);
  throw error;
}
