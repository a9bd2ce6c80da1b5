import type { NextFunction, Request, Response } from 'express';

/**
 * A response that goes out before its request's body was read — a 401 for a missing token, a
 * 404, a 413 for a declared length over the limit, a 415 at the door, a 429 — closes the
 * connection (`Connection: close`). Otherwise Node would read, and throw away, whatever body
 * the client declared (10 GB on a kept-alive connection, for a request that was refused at
 * its first byte) before it could take the next request. A response to a body that arrived
 * whole keeps the connection alive as usual.
 */
export function connectionHygiene(req: Request, res: Response, next: NextFunction): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    if (hasBody(req) && !req.complete && !res.headersSent) res.setHeader('Connection', 'close');
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
  next();
}

export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return length === undefined ? req.headers['transfer-encoding'] !== undefined : length !== '0';
}
