import type { NextFunction, Request, Response } from 'express';

const UPLOAD = /^\/uploads\/[^/]+$/;

/**
 * tus lets clients behind proxies that drop PATCH/DELETE send `POST` with
 * `X-HTTP-Method-Override` (tus-js-client's `overridePatchMethod`). Honoured for exactly
 * that: a POST to one upload, overridden to PATCH or DELETE, before routing, so the
 * overridden request passes the same authentication and ownership checks. Any other value
 * or path is ignored (the POST stays a POST, and 404s).
 */
export function methodOverride(req: Request, _res: Response, next: NextFunction): void {
  const override = req.headers['x-http-method-override'];
  if (req.method === 'POST' && typeof override === 'string' && UPLOAD.test(req.path)) {
    const method = override.trim().toUpperCase();
    if (method === 'PATCH' || method === 'DELETE') req.method = method;
  }
  next();
}
