import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { AppError } from '@airlock/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Redis, type RedisOptions } from 'ioredis';
import { pino } from 'pino';
import { testRedisUrl } from '@airlock/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from './errors.js';
import { rateLimit, type RateLimitOptions } from './rate-limit.middleware.js';

// Integration test against the real Redis, in a spare DB and under a random prefix.
const REDIS_URL = testRedisUrl(14);
const prefix = `test-rate-${randomUUID()}:`;
const T0 = 1_700_000_000_000;
let redis: Redis;
const strays: Redis[] = [];

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterEach(() => strays.splice(0).forEach((c) => c.disconnect()));
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** A settable clock and a middleware over it; `user` is the request's key. */
function limiter(options: Partial<RateLimitOptions> = {}) {
  const clock = { now: T0 };
  const middleware = rateLimit({
    redis,
    limitPerMinute: 3,
    keyOf: (req) => req.headers['x-user'] as string | undefined,
    now: () => clock.now,
    prefix,
    ...options,
  });
  const call = async (user: string | undefined) => {
    const headers: Record<string, string> = {};
    const req = { headers: user === undefined ? {} : { 'x-user': user } } as unknown as Request;
    const res = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value) } as unknown as Response;
    let passed: unknown = 'not called';
    await middleware(req, res, ((error?: unknown) => (passed = error)) as NextFunction);
    return { error: passed, headers };
  };
  return { clock, call };
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('rateLimit', () => {
  it('passes N requests a minute, refuses the next with 429 and Retry-After', async () => {
    const { call } = limiter();
    const user = randomUUID();
    for (const remaining of ['2', '1', '0']) {
      const { error, headers } = await call(user);
      expect(error).toBeUndefined();
      expect(headers).toEqual({ 'ratelimit-limit': '3', 'ratelimit-remaining': remaining });
    }
    const refused = await call(user);
    expect(refused.error).toBeInstanceOf(AppError);
    expect(refused.error).toMatchObject({ key: 'E_RATE_LIMITED', status: 429 });
    expect(refused.headers).toEqual({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'retry-after': '60' });

    // Another user has a budget of their own.
    expect((await call(randomUUID())).error).toBeUndefined();
  });

  it('slides: each slot frees one minute after the request that took it', async () => {
    const { clock, call } = limiter();
    const user = randomUUID();
    for (const at of [0, 10_000, 20_000]) {
      clock.now = T0 + at;
      expect((await call(user)).error).toBeUndefined();
    }
    clock.now = T0 + 30_500;
    expect((await call(user)).headers['retry-after']).toBe('30'); // 29.5 s, rounded up
    clock.now = T0 + 59_999;
    expect((await call(user)).headers['retry-after']).toBe('1'); // 1 ms rounds up, never to 0
    clock.now = T0 + 60_000; // the first request's slot is free, only that one
    expect((await call(user)).error).toBeUndefined();
    const refused = await call(user);
    expect(refused.error).toMatchObject({ status: 429 });
    expect(refused.headers['retry-after']).toBe('10');
    clock.now = T0 + 200_000; // long idle: the whole budget is back
    expect((await call(user)).headers['ratelimit-remaining']).toBe('2');
  });

  it('skips requests without a key (unauthenticated)', async () => {
    const { call } = limiter({ limitPerMinute: 1 });
    for (let i = 0; i < 3; i++) expect(await call(undefined)).toEqual({ error: undefined, headers: {} });
  });

  it.each<[string, RedisOptions]>([
    ['errors at once', { enableOfflineQueue: false }],
    ['queues commands while reconnecting', {}],
  ])('fails open when Redis is down and the client %s', async (_, redisOptions) => {
    const down = new Redis({ port: await closedPort(), host: '127.0.0.1', ...redisOptions });
    down.on('error', () => {}); // connection refused, expected
    strays.push(down);
    const errors: unknown[] = [];
    const { call } = limiter({ redis: down, limitPerMinute: 1, timeoutMs: 200, onError: (e) => errors.push(e) });
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect(await call('someone')).toEqual({ error: undefined, headers: {} });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(errors).toHaveLength(3);
  });

  it('answers 429 JSON with its headers through the app error handler', async () => {
    const app = express();
    const user = randomUUID();
    app.use(rateLimit({ redis, limitPerMinute: 1, keyOf: () => user, prefix }));
    app.get('/ping', (_req, res) => void res.json({ ok: true }));
    app.use(errorHandler(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
      const first = await fetch(url);
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit-remaining')).toBe('0');
      const second = await fetch(url);
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
      expect(await second.json()).toMatchObject({ error: { code: 'rate_limited' } });
    } finally {
      server.close();
    }
  });
});
