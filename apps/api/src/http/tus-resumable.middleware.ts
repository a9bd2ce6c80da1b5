import { AppError } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';

export const TUS_VERSION = '1.0.0';
const TUS_ENDPOINT = /^\/uploads(\/|$)/;

/**
 * tus 1.0 core protocol, for every request to the tus endpoint (after the method override,
 * before authentication): "The Tus-Resumable header MUST be included in every request and
 * response except for OPTIONS requests", and "If the Client requests a version the Server
 * does not support, the Server MUST respond with the 412 Precondition Failed status and MUST
 * include the Tus-Version header … [and] MUST NOT process the request." Checked here once, so
 * what Airlock answers itself (finished uploads, final concatenations, termination) is held to
 * it as much as what @tus/server answers. `GET /uploads/:id` is Airlock's JSON status, not a
 * tus request: it carries the header but does not need it.
 */
export function tusResumable(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'OPTIONS' || !TUS_ENDPOINT.test(req.path)) return next();
  res.setHeader('Tus-Resumable', TUS_VERSION);
  if (req.method === 'GET' || req.headers['tus-resumable'] === TUS_VERSION) return next();
  res.setHeader('Tus-Version', TUS_VERSION);
  const sent = req.headers['tus-resumable'];
  next(
    new AppError(
      'E_PRECONDITION_FAILED',
      sent === undefined
        ? 'Tus-Resumable header is required (1.0.0)'
        : `unsupported Tus-Resumable ${String(sent).slice(0, 20)}; this server speaks ${TUS_VERSION}`,
    ),
  );
}
