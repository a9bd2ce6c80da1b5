import { randomUUID } from 'node:crypto';
import { AppError } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

/**
 * Sliding-window log, atomically: one sorted-set member per admitted request, scored by its
 * time. Exact: no 60 s span ever admits more than the limit, so there is no 2x burst at a
 * window boundary as with a fixed INCR window; a full burst of `limit` is allowed at any
 * moment, and each slot frees exactly one minute after the request that took it. Refused
 * requests are not recorded, so a client that keeps retrying still recovers. Memory: at most
 * `limit` members per key, expiring with the window.
 *
 * KEYS[1] key; ARGV now (ms), window (ms), limit, unique member.
 * Returns {admitted 0|1, requests in the window counting this one if admitted, ms until a slot frees}.
 */
const SLIDING_WINDOW = `
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, count + 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, count, tonumber(oldest[2]) + window - now}
`;

export interface RateLimitOptions {
  redis: Redis;
  limitPerMinute: number;
  /** Whose budget a request spends, e.g. the caller's user id; undefined skips limiting. */
  keyOf: (req: Request) => string | undefined;
  /**
   * Clock in ms (tests). Every API process stamps with its own clock: skew between hosts
   * shifts when a slot frees by the skew, nothing worse.
   */
  now?: () => number;
  prefix?: string;
  /** How long to wait for Redis before letting the request through. */
  timeoutMs?: number;
  /** Redis failures, which are not answered to the client (see below). */
  onError?: (error: unknown) => void;
}

/**
 * Per-key request limit shared by all API processes through Redis. Sets `RateLimit-Limit` and
 * `RateLimit-Remaining` (draft-ietf-httpapi-ratelimit-headers) on every limited response, and
 * on refusal `Retry-After` plus an `E_RATE_LIMITED` AppError (429) for the error handler.
 *
 * Fails OPEN: if Redis errors or does not answer within `timeoutMs`, the request goes
 * through. Abuse protection is worth less than uploads, and a Redis outage must not take
 * them down. Because ioredis queues commands while reconnecting, the timeout is what keeps
 * requests from hanging during an outage.
 */
export function rateLimit(options: RateLimitOptions) {
  const { redis, limitPerMinute: limit, keyOf, onError } = options;
  const now = options.now ?? Date.now;
  const prefix = options.prefix ?? 'airlock:rate:';
  const timeoutMs = options.timeoutMs ?? 500;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limitPerMinute must be a positive integer, got ${limit}`);
  // Sent by SHA (EVALSHA; ioredis sends the text again only when Redis lost it, after a restart).
  if (!('airlockSlidingWindow' in redis)) redis.defineCommand('airlockSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
  const slidingWindow = (redis as Redis & { airlockSlidingWindow(...args: (string | number)[]): Promise<unknown> }).airlockSlidingWindow.bind(redis);

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = keyOf(req);
    if (key === undefined) return next();

    let verdict: Verdict;
    try {
      const at = now();
      const check = slidingWindow(prefix + key, at, WINDOW_MS, limit, `${at}:${randomUUID()}`);
      verdict = parseVerdict(await withTimeout(check, timeoutMs));
    } catch (error) {
      onError?.(error);
      return next();
    }

    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - verdict.count)));
    if (verdict.admitted) return next();
    // Whole seconds, rounded up so the client never comes back before the slot is free.
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
    next(new AppError('E_RATE_LIMITED', `more than ${limit} requests per minute`));
  };
}

interface Verdict {
  admitted: boolean;
  count: number;
  retryAfterMs: number;
}

function parseVerdict(reply: unknown): Verdict {
  if (!Array.isArray(reply) || reply.length !== 3 || !reply.every((n) => typeof n === 'number')) {
    throw new AppError('E_INTERNAL', `rate limit script answered ${JSON.stringify(reply)}`);
  }
  const [admitted, count, retryAfterMs] = reply as [number, number, number];
  return { admitted: admitted === 1, count, retryAfterMs };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  // The late answer, or its error, is dropped: the request has already gone on.
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('E_UNAVAILABLE', `Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
