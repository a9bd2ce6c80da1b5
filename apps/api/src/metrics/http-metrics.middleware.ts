import type { NextFunction, Request, Response } from 'express';
import { TUS_PATH } from '../tus/tus-server.js';
import type { ApiMetrics } from './metrics.js';

/** Methods get their own label value; anything else is `OTHER` (the label stays bounded). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Times every request and counts created uploads. The route label is the pattern that
 * matched (`/uploads/:id`), never the URL: ids would make a series per upload. Requests no
 * route matched (404s, static files of the dashboard) share `unmatched`. In front of every
 * route, so it sees what the routes answer.
 */
export function httpMetrics(metrics: Pick<ApiMetrics, 'httpDuration' | 'uploadsCreated'>) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer();
    // 'close' comes for answered and abandoned requests alike; an abandoned one has no status.
    res.once('close', () => {
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      end({ method: METHODS.has(req.method) ? req.method : 'OTHER', route: routeOf(req), status });
      if (req.method === 'POST' && req.path === TUS_PATH && status === '201') metrics.uploadsCreated.inc();
    });
    next();
  };
}

function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  // A route of several patterns (OPTIONS of the tus endpoint) is labelled with all of them.
  const path = Array.isArray(pattern) ? pattern.join('|') : pattern;
  if (typeof path !== 'string') return 'unmatched';
  return `${req.baseUrl}${path}`;
}
