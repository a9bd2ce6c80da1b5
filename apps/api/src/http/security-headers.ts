import type { NextFunction, Request, Response } from 'express';

/**
 * The headers every HTML page of this origin carries (the web dashboard, the queue
 * dashboard), each with its own Content-Security-Policy: no MIME sniffing, never inside a
 * frame (CSP `frame-ancestors 'none'` and, for older browsers, `X-Frame-Options: DENY`),
 * and no Referer to other sites (admin URLs carry queue and job names).
 */
export function setSecurityHeaders(res: Response, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** setSecurityHeaders on every response of the routes behind it, errors (401, 403, 404) included. */
export function securityHeaders(csp: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    setSecurityHeaders(res, csp);
    next();
  };
}
