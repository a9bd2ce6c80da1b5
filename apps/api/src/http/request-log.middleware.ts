import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/** Paths polled by probes and scrapers: answered with a request id, never logged. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One JSON line per request, once its response has ended (docs/API.md, "Logs"), and the
 * request id sent back as `X-Request-Id` so an operator can find a client's request:
 *
 *   {"level":30,…,"req":{"id","method","path"},"res":{"statusCode"},"responseTime":ms,"msg":"request completed"}
 *
 * 5xx answers are logged at `error` as "request errored"; a response the client did not wait
 * for as "request aborted". The path only: query strings may carry signatures. Only what is
 * logged is built, when the line is written; pino-http, which this replaces, made two child
 * loggers per request and serialised the request for each, logged or not (issue #15).
 */
export function requestLog(logger: Logger) {
  // The line is built here of known fields only (no headers, no query, no token), so the root
  // logger's redaction (main.ts), which copies the req and res objects of every line, has nothing
  // to find in it: request lines go through a child without it.
  const lines = logger.child({}, { redact: [] });
  return (req: Request, res: Response, next: NextFunction): void => {
    const id = randomUUID();
    res.setHeader('X-Request-Id', id);
    const { method, url } = req;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (!QUIET_PATHS.has(path)) {
      const started = performance.now();
      res.once('close', () => {
        const line = { req: { id, method, path }, res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) };
        if (res.statusCode >= 500) lines.error(line, 'request errored');
        else lines.info(line, res.writableFinished ? 'request completed' : 'request aborted');
      });
    }
    next();
  };
}
