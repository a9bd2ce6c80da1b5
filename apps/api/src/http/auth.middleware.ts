import { AppError } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';
import type { Caller, TokenVerifier } from '../auth/tokens.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      caller?: Caller;
    }
  }
}

/** `Authorization: Bearer <JWT>` or 401 (contract section 3). */
export function requireAuth(tokens: TokenVerifier) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9_.=-]+)\s*$/i.exec(header) : null;
    if (!match) return next(new AppError('E_UNAUTHORIZED', 'missing or malformed Authorization: Bearer token'));
    try {
      req.caller = await tokens.verify(match[1]!);
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function callerOf(req: Request): Caller {
  if (!req.caller) throw new AppError('E_UNAUTHORIZED', 'not authenticated');
  return req.caller;
}

/** Another user's resource answers 404, never 403: its existence is not revealed. */
export function canSee(caller: Caller, ownerId: string): boolean {
  return caller.isAdmin || caller.userId === ownerId;
}
