import type { NextFunction, Request, Response } from 'express';
import { TUS_PATH } from '../tus/tus-server.js';
import type { ApiMetrics } from './metrics.js';

/**
 * Times each `PATCH /uploads/:id` (the whole handling: auth, lock, checks, write, database)
 * and counts created uploads. In front of every route, so it sees what the routes answer.
 */
export function httpMetrics(metrics: Pick<ApiMetrics, 'chunkDuration' | 'uploadsCreated'>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && req.path === TUS_PATH) {
      res.once('finish', () => {
        if (res.statusCode === 201) metrics.uploadsCreated.inc();
      });
    } else if (req.method === 'PATCH' && req.path.startsWith(`${TUS_PATH}/`)) {
      const end = metrics.chunkDuration.startTimer();
      // 'close' comes for answered and abandoned requests alike; an abandoned one has no code.
      res.once('close', () => end({ code: res.writableFinished ? String(res.statusCode) : 'aborted' }));
    }
    next();
  };
}
