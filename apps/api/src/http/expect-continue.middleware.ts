import type { NextFunction, Request, Response } from 'express';

/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1): the client waits for `100 Continue` before it sends
 * the body, so a request the server will refuse costs it nothing. main.ts handles Node's
 * `checkContinue` itself (Node would otherwise answer 100 at once), and:
 * - tus requests that carry bytes (POST, PATCH on /uploads) get their 100 from the store, just
 *   before it reads the body — after authentication, ownership, limits, quota and the upload
 *   lock (tus creation-with-upload: the client's "early feedback");
 * - everything else gets it here, at once, as Node would have sent it.
 */
export function expectContinue(req: Request, res: Response, next: NextFunction): void {
  if (expectsContinue(req) && !isTusBody(req)) res.writeContinue();
  next();
}

export function expectsContinue(req: Request): boolean {
  return /^100-continue$/i.test(req.headers.expect ?? '');
}

function isTusBody(req: Request): boolean {
  return (req.method === 'POST' || req.method === 'PATCH') && /^\/uploads(\/|$)/.test(req.path);
}
