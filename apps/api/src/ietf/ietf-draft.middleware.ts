import type { Config } from '@airlock/config';
import { AppError, type UploadView } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';
import { clientUrl } from '../http/public-url.js';
import type { TusRequestContext } from '../tus/request-context.js';
import { TUS_PATH } from '../tus/tus-server.js';
import { DraftRefusal, setRequestHeader, translateAppend, translateCreation } from './draft-request.js';
import { translateResponse, type DraftExchange } from './draft-response.js';
import { interopVersionOf, uploadComplete, type InteropVersion } from './interop-version.js';
import { inconsistentLength } from './problem-details.js';
import { refuseSwitch } from './protocol-marker.js';

/** What the tus route calls once it has authenticated the caller and loaded the upload. */
export type BeforeTus = (context: TusRequestContext) => Promise<void>;
type Locals = { upload?: UploadView; beforeTus?: BeforeTus };

const UPLOAD_PATH = new RegExp(`^${TUS_PATH}/[^/]+$`);

/**
 * Resumable Uploads for HTTP (draft-ietf-httpbis-resumable-upload, interop versions 5 and 6)
 * on the tus endpoint, selected by `Upload-Draft-Interop-Version`. A draft request is
 * rewritten into the tus request it means and served by the same route, the same
 * @tus/server, the same stores and hooks (authentication, ownership, quotas, the type check
 * at the door, the lock, expiry, the pipeline); its answer is rewritten back on the way out
 * (./draft-response.ts). What depends on the upload (its protocol, its length) is checked in
 * `beforeTus`, which the tus route calls after the ownership check. Mounted before the tus
 * version check (`Tus-Resumable`), which a draft request does not send.
 */
export function ietfDraft(deps: { config: Config }) {
  const limit = `max-size=${deps.config.maxUploadSize}`;

  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== TUS_PATH && !UPLOAD_PATH.test(req.path)) return next();
    const locals = res.locals as Locals;
    let version: InteropVersion | undefined;
    try {
      version = interopVersionOf(req.headers);
    } catch (error) {
      return next(error);
    }
    if (version === undefined) {
      // A tus append to an upload the draft created is refused (and the reverse, below).
      if (req.method === 'PATCH') locals.beforeTus = refuseSwitchFor(false);
      return next();
    }
    const exchange: DraftExchange = { version, method: req.method, limit };
    translateResponse(res, exchange);
    try {
      translateRequest(req, exchange);
      const declared = req.get('upload-length');
      if (declared !== undefined) exchange.length = Number(declared);
    } catch (error) {
      if (!(error instanceof DraftRefusal)) return next(error);
      exchange.problem = error.problem;
      return next(new AppError(error.problem.status === 409 ? 'E_CONFLICT' : 'E_BAD_REQUEST', error.message));
    }
    locals.beforeTus = async (context) => {
      if (req.method === 'POST') return informOnCreation(deps.config, res, exchange, context);
      if (req.method !== 'PATCH') return;
      await refuseSwitchFor(true)(context);
      const known = locals.upload?.upload.totalSize ?? null;
      const declared = req.get('upload-length');
      if (known === null || declared === undefined) return;
      if (Number(declared) !== known) {
        exchange.problem = inconsistentLength(`the upload is ${known} bytes long; this request makes it ${declared}`);
        throw new AppError('E_BAD_REQUEST', 'inconsistent upload length');
      }
      // Known and equal: nothing to declare (@tus/server refuses Upload-Length on a known length).
      setRequestHeader(req, 'upload-length', undefined);
    };
    next();
  };
}

function translateRequest(req: Request, exchange: DraftExchange): void {
  // Served by the tus route from here on: it holds the request to the tus version it speaks.
  setRequestHeader(req, 'tus-resumable', '1.0.0');
  if (req.method === 'POST' || req.method === 'PATCH') {
    const complete = uploadComplete(req.headers);
    if (complete === undefined) throw new AppError('E_BAD_REQUEST', 'Upload-Complete header is required');
    if (req.method === 'POST') return translateCreation(req, complete);
    const offset = req.get('upload-offset');
    if (offset !== undefined && /^\d{1,15}$/.test(offset)) exchange.providedOffset = Number(offset);
    translateAppend(req, exchange.version, complete);
  }
}

/** An append in one protocol to an upload of the other is refused when @tus/server loads it (no extra read). */
function refuseSwitchFor(draftRequest: boolean): BeforeTus {
  return async (context) => {
    context.onUpload = (upload) => refuseSwitch(upload, draftRequest);
  };
}

/**
 * draft: the server "SHOULD send an informational response with the 104 (Upload Resumption
 * Supported) status code" carrying the upload's `Location`, as soon as the resource exists —
 * here just before the creation's body is read. Node ≥ 24.18 sends any 1xx on HTTP/1.1 with
 * `res.writeInformation` (before it: `writeEarlyHints` sends only 103, `writeProcessing` only
 * 102, `writeContinue` only 100); HTTP/2 is not served here.
 */
async function informOnCreation(config: Config, res: Response, exchange: DraftExchange, context: TusRequestContext): Promise<void> {
  const before = context.beforeBody;
  context.beforeBody = () => {
    before?.();
    if (res.headersSent || !context.uploadId || res.req.httpVersionMajor !== 1) return;
    const headers: Record<string, string> = {
      Location: clientUrl(config, `${TUS_PATH}/${context.uploadId}`),
      'Upload-Draft-Interop-Version': String(exchange.version),
    };
    if (exchange.version >= 6) headers['Upload-Limit'] = exchange.limit;
    res.writeInformation(104, headers);
  };
}
