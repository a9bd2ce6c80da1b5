import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { Producer } from '@airlock/queue';
import { enqueueStage } from '@airlock/pipeline';
import { Server, type ServerOptions } from '@tus/server';
import type { Locker, Upload } from '@tus/utils';
import type { UploadView } from '@airlock/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../metrics/metrics.js';
import { isUnavailable } from '../http/unavailable.js';
import { createChunkGuard, rethrowQuota } from './chunk-guard.js';
import { GuardedStore } from './guarded-store.js';
import { createQuarantineStore } from './quarantine-store.js';
import { finishedView, knownView, tusContext, type TusRequestContext } from './request-context.js';
import { TusHttpError } from './tus-error.js';
import { newId } from './upload-id.js';
import { clientUrl } from '../http/public-url.js';
import { readUploadMetadata, uploadMetadataHeader } from './upload-metadata.js';

export const TUS_PATH = '/uploads';

export interface TusDeps {
  config: Config;
  db: Database;
  producer: Producer;
  locker: Locker;
  /** Holds the S3 store's metadata cache, shared by every API process. */
  redis: Redis;
  logger: Logger;
  metrics: Pick<ApiMetrics, 'bytesReceived'>;
}

export interface Tus {
  server: Server;
  store: GuardedStore;
  /** Enqueues the pipeline for a file whose bytes are all in; never throws (the reconciler covers Redis outages). */
  startPipeline(fileId: string): Promise<void>;
  /**
   * Finishes an open upload whose bytes are all in quarantine (a crash before the finish
   * hook); answers the view as it is now.
   */
  finishIfComplete(view: UploadView, offset: number): Promise<UploadView>;
}

export async function createTus({ config, db, producer, locker, redis, logger, metrics }: TusDeps): Promise<Tus> {
  const expiryMs = config.uploadExpirySeconds * 1000;
  const store = new GuardedStore(await createQuarantineStore(config, { redis, logger, db }), createChunkGuard({ config, db, logger, metrics }));

  const contextOf = (): TusRequestContext => {
    const context = tusContext();
    if (!context) throw new TusHttpError(401, 'not authenticated');
    return context;
  };

  const onUploadCreate: NonNullable<ServerOptions['onUploadCreate']> = async (_req, upload: Upload) => {
    const context = contextOf();
    const meta = readUploadMetadata(upload);
    const now = new Date();
    context.view = await db.uploads
      .create({
        uploadId: upload.id,
        fileId: newId(),
        ownerId: context.caller.userId,
        originalFilename: meta.filename,
        declaredType: meta.filetype,
        expectedSha256: meta.sha256,
        totalSize: upload.size ?? null,
        chunkSize: config.chunkSize,
        expiresAt: new Date(now.getTime() + expiryMs),
        now,
        // At least the minimum charge: an upload's metadata takes disk even with no bytes. A
        // deferred length reserves only that; its chunks reserve as they come.
        reserveBytes: Math.max(upload.size ?? 0, config.uploadLimits.minChargeBytes),
        maxOpenUploads: config.uploadLimits.maxOpenUploads,
        defaultQuota: config.quotaBytes,
        concatRole: context.partial ? 'partial' : null,
        uploadMetadata: uploadMetadataHeader(upload),
      })
      .catch(rethrowQuota);
    return {};
  };

  // The last byte is in quarantine: the file becomes `assembling` and the pipeline is
  // asked to take it. If Redis is down the row still says `assembling` and the
  // reconciler enqueues it later, so the client's upload succeeds either way.
  const onUploadFinish: NonNullable<ServerOptions['onUploadFinish']> = async (_req, upload: Upload) => {
    // The request's own view (the chunk that finished it was just recorded from it).
    const view = knownView(upload.id) ?? (await db.uploads.find(upload.id));
    if (!view) throw new TusHttpError(404, 'upload not found');
    // A complete partial upload waits, open, for the final upload that takes its bytes (or
    // for expiry); it is not a file of its own.
    if (view.upload.concatRole === 'partial') return {};
    // This request's last chunk already finished it (chunk-guard.ts).
    if (tusContext()?.finishedHere) {
      await startPipeline(view.file.id);
      return {};
    }
    const at = new Date();
    if (await db.uploads.finish(upload.id, upload.offset, at)) {
      const context = tusContext();
      if (context) context.view = finishedView(view, upload.offset, at);
      await startPipeline(view.file.id);
    }
    return {};
  };

  /**
   * All bytes are on disk but the upload is still open: the process that wrote the last byte
   * died before `onUploadFinish`. The client's HEAD finds it so (offset = length) and its
   * resume sends nothing more, so the finish is done here, once (it is conditional).
   */
  const finishIfComplete = async (view: UploadView, offset: number): Promise<UploadView> => {
    if (view.upload.status !== 'open' || view.upload.concatRole === 'partial') return view;
    if (view.upload.totalSize === null || offset !== view.upload.totalSize) return view;
    const at = new Date();
    const recorded = await db.uploads.recordChunk(view.upload.id, { bytesReceived: offset, at, expiresAt: new Date(at.getTime() + expiryMs) }, view);
    if (!recorded || !(await db.uploads.finish(view.upload.id, offset, at))) return (await db.uploads.find(view.upload.id)) ?? view;
    await startPipeline(view.file.id);
    return finishedView(recorded, offset, at);
  };

  const startPipeline = async (fileId: string) => {
    await enqueueStage({ config, producer }, fileId, 'validate').catch((error: unknown) => {
      logger.warn({ err: error, fileId }, 'could not enqueue the pipeline; the reconciler will');
    });
  };

  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    locker,
    maxSize: config.maxUploadSize,
    namingFunction: () => {
      const id = newId();
      contextOf().uploadId = id;
      return id;
    },
    // The id comes from the routed path, never from @tus/server's parse of the URL (issue #12):
    // no routed id (POST, an unrouted path) answers 404.
    getFileIdFromRequest: () => tusContext()?.routedId,
    // PUBLIC_URL, or a relative Location (tus clients resolve it): a Host or X-Forwarded-Host
    // header never chooses the origin a client is sent to.
    generateUrl: (_req, { path, id }) => clientUrl(config, `${path}/${id}`),
    // CORS is the API's (apps/api/src/http/cors.middleware.ts), for tus and JSON routes alike.
    allowedOrigins: () => false,
    disableTerminationForFinishedUploads: false,
    onUploadCreate,
    onUploadFinish,
    onResponseError: (_req, error) => {
      if ('status_code' in error) return undefined;
      // The database or Redis (the upload lock) is down: 503, the client retries the chunk.
      if (isUnavailable(error)) return { status_code: 503, body: 'a dependency is unavailable; retry shortly\n' };
      logger.error({ err: error }, 'tus handler error');
      return undefined;
    },
  });
  return { server, store, startPipeline, finishIfComplete };
}
