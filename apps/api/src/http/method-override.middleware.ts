import type { NextFunction, Request, Response } from 'express';

const TUS_ENDPOINT = /^\/uploads(\/[^/]*)?\/?$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * tus 1.0 (core protocol, X-HTTP-Method-Override): "If a request contains the
 * X-HTTP-Method-Override header, its value MUST be used as the method by the Server. The
 * HTTP method of the request MUST be ignored." Clients behind proxies that drop PATCH or
 * DELETE (tus-js-client's `overridePatchMethod`) send POST; others send OPTIONS or HEAD as
 * GET. Applied on the tus endpoint only, before routing, so the overridden request passes the
 * same authentication and ownership checks as the real method would. A value that is not an
 * HTTP method the endpoint knows answers as that method would: not found.
 */
export function methodOverride(req: Request, _res: Response, next: NextFunction): void {
  const override = req.headers['x-http-method-override'];
  if (typeof override === 'string' && TUS_ENDPOINT.test(req.path)) {
    const method = override.trim().toUpperCase();
    req.method = METHODS.has(method) ? method : 'X-UNKNOWN-METHOD';
  }
  next();
}
