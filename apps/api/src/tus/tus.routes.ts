import { AppError, type UploadView } from '@airlock/core';
import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import { removeBytes } from '@airlock/pipeline';
import type { Producer } from '@airlock/queue';
import type { StorageDriver } from '@airlock/storage';
import type { Logger } from 'pino';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import { callerOf, canSee } from '../http/auth.middleware.js';
import { hasBody } from '../http/connection-hygiene.middleware.js';
import { expectsContinue } from '../http/expect-continue.middleware.js';
import { patchLimits } from '../http/patch-limits.middleware.js';
import { readChecksums } from './checksum-headers.js';
import { withRequestBody } from './request-body.js';
import type { ChecksumSpool } from './checksum-spool.js';
import { createFinalUpload } from './concatenation.js';
import { CHECKSUM_ALGORITHMS, withTusContext, type TusRequestContext } from './request-context.js';
import { TUS_PATH, type Tus } from './tus-server.js';
import { isValidId } from './upload-id.js';
import { deleteFile } from '../files/delete-file.js';
import { withUploadLock } from '../files/with-upload-lock.js';
import type { Locker } from '@tus/utils';
import { clientUrl } from '../http/public-url.js';
import { checkMetadataLimits, uploadMetadataOf } from './upload-metadata.js';
import { uploadJson } from './upload-json.js';

interface Deps {
  config: Config;
  /** The upload lock: deletions (tus DELETE, apps/api/src/files/delete-file.ts) and concatenation hold it to remove bytes. */
  locker: Locker;
  db: Database;
  tus: Tus;
  storage: StorageDriver;
  logger: Logger;
  producer: Producer;
  /** Authentication and rate limiting, in that order. */
  authenticate: RequestHandler[];
  /** Where chunks with a checksum are verified before they are appended. */
  spool: ChecksumSpool;
}

type Loaded = Response & { locals: { upload: UploadView } };

/**
 * The tus endpoint. Express authenticates, checks ownership and answers what Airlock
 * decides itself (expiry, finished uploads); @tus/server does the protocol. Its answer is
 * then completed: the JSON body of POST, `Upload-Expires` from our database, and the
 * server's offset on a 409 (tus 1.0: "the Server MUST respond with the 409 Conflict
 * status"; we add `Upload-Offset` so a client can resume without another HEAD).
 */
export function tusRoutes(deps: Deps): Router {
  const { db, tus, spool, authenticate: auth } = deps;
  const router = Router();
  // Requests that carry upload bytes: per-user concurrency and the rate floor.
  const bodyLimits = patchLimits(deps.config.patchLimits, deps.logger);

  const forward = async (req: Request, res: Response) => {
    // The body without srvx's copy of every chunk (request-body.ts); GET and HEAD keep srvx's null.
    const node = new NodeRequest({ req, res });
    const request = (req.method === 'GET' || req.method === 'HEAD' ? node : withRequestBody(node, req)) as unknown as globalThis.Request;
    const view = (res as Partial<Loaded>).locals?.upload;
    const partial = view ? view.upload.concatRole === 'partial' : req.headers['upload-concat'] === 'partial';
    const context: TusRequestContext = { caller: callerOf(req), partial, ...readChecksums(req), ...readLengths(req, res) };
    if (req.method === 'POST' && !hasBody(req)) context.bodilessCreation = true;
    if (view) {
      context.routedId = view.upload.id;
      context.view = view;
    }
    if (expectsContinue(req)) context.beforeBody = () => void (res.headersSent || res.writeContinue());
    // The IETF draft layer's checks that need the loaded upload (apps/api/src/ietf); may refuse.
    await (res.locals as { beforeTus?: (context: TusRequestContext) => Promise<void> }).beforeTus?.(context);
    // Claimed before the body is read: over the cap → 413, spool full → 503, nothing read.
    if ((context.checksum || context.contentMd5) && req.method !== 'HEAD') context.spool = spool.reserve(context.contentLength);
    try {
      const response = withoutTusCors(await withTusContext(context, () => tus.server.handleWeb(request)));
      return { response, context };
    } finally {
      context.spool?.release();
    }
  };

  /** What the chunk guard needs to reserve quota for an upload whose length is deferred. */
  const readLengths = (req: Request, res: Response): Pick<TusRequestContext, 'contentLength' | 'deferredLength'> => {
    const lengths: Pick<TusRequestContext, 'contentLength' | 'deferredLength'> = {};
    const contentLength = req.headers['content-length'];
    if (contentLength !== undefined && /^\d{1,15}$/.test(contentLength)) lengths.contentLength = Number(contentLength);
    const view = (res as Partial<Loaded>).locals?.upload;
    const deferred = view ? view.upload.totalSize === null : req.headers['upload-defer-length'] !== undefined;
    if (deferred) {
      const declared = req.headers['upload-length'];
      lengths.deferredLength = typeof declared === 'string' && /^\d{1,15}$/.test(declared) ? Number(declared) : null;
    }
    return lengths;
  };

  const load = async (req: Request, res: Response, next: NextFunction) => {
    const id = req.params.id;
    if (!isValidId(id)) return next(new AppError('E_NOT_FOUND', 'upload not found'));
    const view = await db.uploads.find(id);
    if (!view || !canSee(callerOf(req), view.upload.ownerId)) return next(new AppError('E_NOT_FOUND', 'upload not found'));
    res.locals.upload = view;
    next();
  };

  // Expired, terminated or rejected: 410 Gone; a finished upload never goes back to tus.
  const guardOpen = async (req: Request, res: Loaded, next: NextFunction) => {
    const view = res.locals.upload;
    // Its file was deleted (DELETE /files/:id): gone for every tus method, the DELETE included.
    if (view.file.deletedAt) return next(new AppError('E_GONE', 'upload gone: its file was deleted'));
    if (view.upload.status === 'open' && view.upload.expiresAt.getTime() <= Date.now()) {
      await db.uploads.abort(view.upload.id, 'failed', 'expired', new Date());
      return next(new AppError('E_GONE', 'upload expired'));
    }
    if (view.upload.status === 'aborted') return next(new AppError('E_GONE', `upload ${view.file.failureReason ?? view.file.status}`));
    // concatenation: "The Server MUST respond with the 403 Forbidden status to PATCH requests
    // against a final upload URL and MUST NOT modify the final or its partial uploads."
    if (req.method === 'PATCH' && view.upload.concatRole === 'final') return next(new AppError('E_FORBIDDEN', 'a final upload (concatenation) takes no PATCH'));
    if (view.upload.status === 'finished' && req.method !== 'DELETE') return answerFinished(req, res);
    next();
  };

  /** `Upload-Expires` of an open upload, from the request's own view of it (no re-read). */
  const withExpiry = (response: globalThis.Response, view: UploadView | undefined) => {
    if (!view || response.status >= 300) return;
    if (view.upload.status === 'open') response.headers.set('Upload-Expires', view.upload.expiresAt.toUTCString());
  };

  router.options([TUS_PATH, `${TUS_PATH}/:id`], async (req, res) => {
    const response = withoutTusCors(await tus.server.handleWeb(new NodeRequest({ req, res }) as unknown as globalThis.Request));
    response.headers.set('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
    // Not a tus header: the largest chunk a client may send with Upload-Checksum / Content-MD5.
    response.headers.set('Airlock-Checksum-Max-Chunk-Size', String(spool.maxChunkBytes));
    // Not a tus header: CHUNK_SIZE, the bytes per PATCH our clients (dashboard, CLI) send, read
    // before the first request so an operator behind a proxy with a small body limit can shrink it.
    response.headers.set('Airlock-Chunk-Size', String(deps.config.chunkSize));
    await sendNodeResponse(res, response);
  });

  router.post(TUS_PATH, ...auth, bodyLimits, async (req, res) => {
    checkMetadataLimits(req.get('upload-metadata'), deps.config.uploadLimits);
    const concat = req.headers['upload-concat'];
    if (typeof concat === 'string' && concat.startsWith('final;')) {
      const view = await createFinalUpload(deps, callerOf(req), concat, req.headers['upload-metadata'] as string | undefined);
      const location = clientUrl(deps.config, `${TUS_PATH}/${view.upload.id}`);
      res.status(201).setHeader('Location', location);
      return void res.json(uploadJson(view, location));
    }
    const { response, context } = await forward(req, res);
    const uploadId = context.uploadId;
    // A creation that failed after its row was made (creation-with-upload: body over the
    // length, a type refused at the door, a dropped connection): the client never got a
    // Location, so nothing of it may stay — no row, no reservation, no bytes.
    // A client gone before the answer never learns the URL either (the store kept what arrived
    // and @tus/server calls that a 201).
    const clientGone = res.destroyed || req.socket.destroyed;
    if (uploadId && (response.status !== 201 || clientGone)) await discardCreation(uploadId);
    if (response.status !== 201 || !uploadId || clientGone) return void (await sendNodeResponse(res, response));
    // The row as created (and, with creation-with-upload, as its chunk and finish left it).
    const view = context.view;
    if (!view) throw new AppError('E_INTERNAL', 'created upload has no view');
    const headers = new Headers(response.headers);
    if (view.upload.status === 'open') headers.set('Upload-Expires', view.upload.expiresAt.toUTCString());
    const body = JSON.stringify(uploadJson(view, headers.get('Location')!));
    headers.set('Content-Type', 'application/json; charset=utf-8');
    headers.set('Content-Length', String(Buffer.byteLength(body)));
    await sendNodeResponse(res, new globalThis.Response(body, { status: 201, headers }));
  });

  router.head(`${TUS_PATH}/:id`, ...auth, load, guardOpen, async (req, res) => {
    const { response, context } = await forward(req, res);
    const offset = response.headers.get('upload-offset');
    let view = context.view;
    if (view && response.status === 200 && offset !== null && offset === response.headers.get('upload-length')) {
      view = await tus.finishIfComplete(view, Number(offset));
    }
    // concatenation: HEAD of a partial upload carries Upload-Concat as given at creation.
    const concat = concatHeader((res as Loaded).locals.upload, deps.config);
    if (response.status === 200 && concat) response.headers.set('Upload-Concat', concat);
    withExpiry(response, view);
    await sendNodeResponse(res, response);
  });

  // tus: "The Request MUST include a Upload-Offset header" (@tus/server answers 403), and "MUST
  // use Content-Type: application/offset+octet-stream, otherwise the server SHOULD return a 415".
  const requireOffset = (req: Request, _res: Response, next: NextFunction) => {
    if (req.headers['upload-offset'] === undefined) return next(new AppError('E_BAD_REQUEST', 'Upload-Offset header is required'));
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/offset+octet-stream')
      return next(new AppError('E_UNSUPPORTED_MEDIA_TYPE', 'a PATCH must be sent with Content-Type: application/offset+octet-stream'));
    next();
  };

  router.patch(`${TUS_PATH}/:id`, ...auth, requireOffset, bodyLimits, load, guardOpen, async (req, res) => {
    const id = req.params.id as string;
    const { response, context } = await forward(req, res);
    // The upload ended under this PATCH (its file deleted, terminated, expired): its bytes may
    // have gone mid-write. That is the client's 410, not a server error.
    if (response.status >= 500) {
      const now = await db.uploads.find(id);
      if (!now || now.upload.status !== 'open' || now.file.deletedAt)
        throw new AppError('E_GONE', 'upload gone: it was deleted or terminated while this PATCH was writing');
    }
    if (response.status === 409) {
      const current = await tus.store.getUpload(id).catch(() => undefined);
      if (current) response.headers.set('Upload-Offset', String(current.offset));
    }
    withExpiry(response, context.view);
    await sendNodeResponse(res, response);
  });

  router.delete(`${TUS_PATH}/:id`, ...auth, load, guardOpen, async (req, res) => {
    const view = (res as Loaded).locals.upload;
    const terminated = view.upload.status !== 'finished' && (await db.uploads.abort(view.upload.id, 'failed', 'terminated', new Date()));
    if (!terminated) {
      // tus termination covers finished uploads too (this one, or one that finished meanwhile):
      // the file goes, wherever it is in the pipeline, exactly as with DELETE /files/:id.
      const file = view.upload.status === 'finished' ? view.file : (await db.uploads.find(view.upload.id))?.file;
      if (!file) throw new AppError('E_NOT_FOUND', 'upload not found');
      await deleteFile(deps, file, callerOf(req).userId);
      return void res.status(204).end();
    }
    // The row is terminated; its bytes go by the one removal of @airlock/pipeline, under the
    // upload's lock (a PATCH writing into it is asked to stop first). Bytes already gone are no error.
    await withUploadLock(deps.locker, view.upload.id, (held) => removeBytes(deps.storage, { upload: held }));
    res.status(204).end();
  });

  router.get(`${TUS_PATH}/:id`, ...auth, load, (_req, res) => {
    const view = (res as Loaded).locals.upload;
    if (view.file.deletedAt) throw new AppError('E_GONE', `upload gone: its file was deleted at ${view.file.deletedAt.toISOString()}`);
    res.setHeader('Cache-Control', 'no-store');
    res.json(uploadJson(view));
  });

  return router;

  async function discardCreation(uploadId: string): Promise<void> {
    await tus.store.remove(uploadId).catch(() => {});
    await db.uploads.discardCreated(uploadId).catch((error: unknown) => {
      deps.logger.warn({ err: (error as Error).message, uploadId }, 'could not discard a failed creation; GC expires it');
    });
  }

  /** All bytes are in: offset = length, from the database (quarantine may already be promoted away). */
  function answerFinished(req: Request, res: Loaded): void {
    const size = String(res.locals.upload.upload.totalSize ?? res.locals.upload.upload.bytesReceived);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Upload-Offset', size);
    if (req.method === 'HEAD') {
      res.setHeader('Upload-Length', size);
      // tus: "If an upload contains additional metadata … the Server MUST include the
      // Upload-Metadata header in the HEAD response." From the database row, as given at creation.
      const metadata = uploadMetadataOf(res.locals.upload);
      if (metadata) res.setHeader('Upload-Metadata', metadata);
      const concat = concatHeader(res.locals.upload, deps.config);
      if (concat) res.setHeader('Upload-Concat', concat);
      return void res.status(200).end();
    }
    if (req.headers['upload-offset'] !== size) return void res.status(409).end();
    // Bytes past the length of a finished upload are refused, never silently dropped.
    if (hasBody(req)) return void res.status(413).type('text/plain').send(`the upload is complete at ${size} bytes; nothing can be appended\n`);
    res.status(204).end();
  }
}

/**
 * concatenation: "The Server MUST include the Upload-Concat header in HEAD responses" as at
 * creation: `partial`, or `final;` and the partial uploads' URLs (as this server hands them out).
 */
function concatHeader({ upload }: UploadView, config: Pick<Config, 'publicUrl'>): string | undefined {
  if (upload.concatRole === 'partial') return 'partial';
  if (upload.concatRole !== 'final' || !upload.concatParts) return undefined;
  return `final;${upload.concatParts.map((id) => clientUrl(config, `${TUS_PATH}/${id}`)).join(' ')}`;
}

/** @tus/server sets CORS headers of its own on every answer; the API's CORS middleware decides. */
function withoutTusCors(response: globalThis.Response): globalThis.Response {
  for (const name of [...response.headers.keys()]) {
    if (name.startsWith('access-control-')) response.headers.delete(name);
  }
  return response;
}
