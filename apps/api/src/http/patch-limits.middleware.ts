import { AppError } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { callerOf } from './auth.middleware.js';
import { hasBody } from './connection-hygiene.middleware.js';

export interface PatchLimits {
  /** A body arriving slower than this on average over `windowSeconds` is cut; 0 turns the floor off. */
  minBytesPerSecond: number;
  windowSeconds: number;
  /** Requests carrying upload bytes one user may have in flight in this process. */
  maxConcurrentPerUser: number;
}

/**
 * Slow and greedy clients, for requests that carry upload bytes (PATCH, and POST with
 * creation-with-upload). Mounted after authentication.
 *
 * - **Concurrency:** beyond `maxConcurrentPerUser` requests of one user in flight, 429. Each
 *   such request holds an upload lock, a file descriptor and a socket; one account must not
 *   take them all. The count is per API process (a cluster of N processes allows N× it).
 * - **Rate floor:** the idle timeout cuts a client that sends nothing; this cuts one that
 *   sends a byte now and then to hold its upload's lock forever. Every window, the bytes
 *   read from the socket are compared with the floor; a body under it is cut by closing the
 *   connection, as the idle timeout does: what arrived is kept (the store writes it as it
 *   comes), the offset says so, the lock is released, and the client resumes. A body that
 *   has been read in full is never cut (the server may still be working on it).
 */
export function patchLimits(limits: PatchLimits, logger: Logger) {
  const inFlight = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction) => {
    // A creation without a body, or an empty PATCH, holds nothing for long.
    if (!hasBody(req)) return next();
    const user = callerOf(req).userId;
    const count = inFlight.get(user) ?? 0;
    if (count >= limits.maxConcurrentPerUser) {
      res.setHeader('Retry-After', '1');
      return next(
        new AppError(
          'E_RATE_LIMITED',
          `at most ${limits.maxConcurrentPerUser} uploads of one user may send bytes at once (MAX_CONCURRENT_PATCHES_PER_USER); retry when one ends`,
        ),
      );
    }
    inFlight.set(user, count + 1);
    const stopFloor = limits.minBytesPerSecond > 0 ? enforceRateFloor(req, limits, logger) : () => {};
    let done = false;
    res.once('close', () => {
      if (done) return;
      done = true;
      stopFloor();
      const left = (inFlight.get(user) ?? 1) - 1;
      if (left > 0) inFlight.set(user, left);
      else inFlight.delete(user);
    });
    next();
  };
}

function enforceRateFloor(req: Request, { minBytesPerSecond, windowSeconds }: PatchLimits, logger: Logger): () => void {
  const socket = req.socket;
  let windowStart = socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete || socket.destroyed) return clearInterval(timer);
    const read = socket.bytesRead - windowStart;
    windowStart = socket.bytesRead;
    if (read >= minBytesPerSecond * windowSeconds) return;
    clearInterval(timer);
    logger.info({ path: req.path, bytesPerSecond: Math.round(read / windowSeconds), floor: minBytesPerSecond }, 'upload body too slow; connection cut');
    socket.destroy();
  }, windowSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
