import type { NextFunction, Request, Response } from 'express';

/** Every header a tus client (tus-js-client, Uppy) or a dashboard reads from a response. */
const EXPOSED = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Defer-Length',
  'Upload-Expires',
  'Upload-Metadata',
  'Upload-Concat',
  // The IETF resumable-upload draft (apps/api/src/ietf).
  'Upload-Complete',
  'Upload-Limit',
  'Upload-Draft-Interop-Version',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'Airlock-Chunk-Size',
  'Airlock-Checksum-Max-Chunk-Size',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'X-Request-Id',
  'Content-Disposition',
];

const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Content-MD5',
  'Tus-Resumable',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Defer-Length',
  'Upload-Metadata',
  'Upload-Checksum',
  'Upload-Concat',
  'Upload-Complete',
  'Upload-Draft-Interop-Version',
  'Content-Disposition',
  'X-Requested-With',
  'X-HTTP-Method-Override',
];

/**
 * CORS per CORS_ORIGINS for every route (tus and JSON alike, errors included, so a browser
 * can read a 401 or a 409's `Upload-Offset`). Unset: no CORS headers at all. Preflights are
 * answered here; a plain `OPTIONS /uploads` (tus discovery) goes on to tus.
 */
export function cors(origins: string[] | undefined) {
  const any = origins?.includes('*') ?? false;
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origins || !origin || !(any || origins.includes(origin))) return next();
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    if (!any) res.append('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED.join(', '));
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, PATCH, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
      res.setHeader('Access-Control-Max-Age', '86400');
      return void res.status(204).end();
    }
    next();
  };
}
