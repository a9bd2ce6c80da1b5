import { AppError, isAppError } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { isUnavailable } from './unavailable.js';

/** The contract's error shape: `{"error": {"code", "message"}}`. */
export function sendError(res: Response, error: AppError): void {
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  if (error.status === 503 && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', '5');
  res.status(error.status).json({ error: { code: error.code, message: error.message } });
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      logger.error({ err: error, url: req.path }, 'error after the response started');
      res.destroy();
      return;
    }
    if (isAppError(error)) return sendError(res, error);
    if (isUnavailable(error)) {
      logger.warn({ err: (error as Error).message, method: req.method, url: req.path }, 'dependency unavailable');
      res.setHeader('Retry-After', '5');
      return sendError(res, new AppError('E_UNAVAILABLE', 'a dependency is unavailable; retry shortly'));
    }
    // A path parameter that is not valid percent-encoded UTF-8 names nothing that exists.
    if (error instanceof URIError) return sendError(res, new AppError('E_NOT_FOUND', 'not found'));
    // body-parser and friends: a client error with a status of its own.
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, new AppError('E_BAD_REQUEST', (error as Error).message));
    }
    logger.error({ err: error, method: req.method, url: req.path }, 'unhandled error');
    sendError(res, new AppError('E_INTERNAL', 'internal error'));
  };
}

export function notFound(_req: Request, res: Response): void {
  sendError(res, new AppError('E_NOT_FOUND', 'no such endpoint'));
}
