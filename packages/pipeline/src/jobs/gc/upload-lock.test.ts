import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@airlock/config';
import { producerConnection } from '@airlock/queue';
import { testRedisUrl } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadLockKey } from '@airlock/queue';
import { BUSY, createUploadLocks } from './upload-lock.js';

describe('the upload lock garbage collection shares with the API', () => {
  let redis: ReturnType<typeof producerConnection>;
  const prefix = `airlock-test-${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    redis = producerConnection(testRedisUrl());
    // A producer connection refuses commands until connected (no offline queue).
    await once(redis, 'ready');
  });
  afterAll(() => redis?.quit());

  it("names the key as the API's RedisLocker does (apps/api/src/tus/redis-locker.ts)", () => {
    expect(uploadLockKey('0123456789abcdef0123456789abcdef')).toBe('airlock:lock:0123456789abcdef0123456789abcdef');
  });

  it('runs the work holding the lock, and frees it afterwards, even when the work fails', async () => {
    const locks = createUploadLocks(redis, { prefix });
    const key = uploadLockKey('u1', prefix);
    await expect(locks.withLock('u1', async () => (await redis.get(key)) !== null)).resolves.toBe(true);
    expect(await redis.exists(key)).toBe(0);
    await expect(locks.withLock('u1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await redis.exists(key)).toBe(0);
  });

  it('answers BUSY at once while anyone else holds it, and never frees their lock', async () => {
    const locks = createUploadLocks(redis, { prefix });
    const key = uploadLockKey('u2', prefix);
    await redis.set(key, 'a-request', 'PX', 10_000);
    let ran = false;
    await expect(locks.withLock('u2', async () => (ran = true))).resolves.toBe(BUSY);
    expect(ran).toBe(false);
    expect(await redis.get(key)).toBe('a-request');
    // Two collectors at once: exactly one runs.
    await redis.del(key);
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('ran'), 100));
    const results = await Promise.all([locks.withLock('u3', slow), locks.withLock('u3', slow)]);
    expect(results).toContain('ran');
    expect(results).toContain(BUSY);
  });

  it('defaults the orphan grace period to max(1 h, 2 × UPLOAD_EXPIRY_SECONDS)', () => {
    expect(loadConfig({}).orphanGraceSeconds).toBe(2 * 86_400);
    expect(loadConfig({ UPLOAD_EXPIRY_SECONDS: '60' }).orphanGraceSeconds).toBe(3600);
    expect(loadConfig({ ORPHAN_GRACE_SECONDS: '5' }).orphanGraceSeconds).toBe(5);
    expect(() => loadConfig({ ORPHAN_GRACE_SECONDS: '0' })).toThrow(/ORPHAN_GRACE_SECONDS/);
  });
});
