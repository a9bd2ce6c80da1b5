import { randomUUID } from 'node:crypto';
import { Upload } from '@tus/utils';
import { Redis } from 'ioredis';
import { testRedisUrl } from '@airlock/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisKvStore } from './redis-kv.store.js';

// Integration test against the real Redis, in a spare DB and under a random prefix.
const REDIS_URL = testRedisUrl(14);

describe('RedisKvStore', () => {
  const base = `test-kv-${randomUUID()}:`;
  let redis: Redis;
  let prefix: string;
  let n = 0;
  const store = <T>(ttlSeconds = 60) => new RedisKvStore<T>({ redis, prefix, ttlSeconds });

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    // Keys of other test files in this database are left alone: only ours go.
    const keys = await redis.keys(`${base}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  // A fresh prefix per test: list() and misses see only what the test itself wrote.
  beforeEach(() => {
    prefix = `${base}${++n}:`;
  });

  it('misses with undefined, returns what was set, and deletes', async () => {
    const kv = store<{ n: number }>();
    expect(await kv.get('a')).toBeUndefined();
    await kv.set('a', { n: 1 });
    expect(await kv.get('a')).toEqual({ n: 1 });
    await kv.set('a', { n: 2 });
    expect(await kv.get('a')).toEqual({ n: 2 });
    await kv.delete('a');
    expect(await kv.get('a')).toBeUndefined();
    await expect(kv.delete('a')).resolves.toBeUndefined();
  });

  it('is shared: a value set through one store (one process) is read through another', async () => {
    const other = new Redis(REDIS_URL);
    try {
      await store<string>().set('shared', 'hello');
      expect(await new RedisKvStore<string>({ redis: other, prefix, ttlSeconds: 60 }).get('shared')).toBe('hello');
    } finally {
      other.disconnect();
    }
  });

  it('stores JSON: an Upload comes back as plain data with the same fields', async () => {
    const kv = store<{ file: Upload; 'upload-id': string }>();
    const file = new Upload({ id: 'u1', size: 10, offset: 0, metadata: { filename: 'ä.txt' }, creation_date: '2024-01-01T00:00:00.000Z' });
    await kv.set('u1', { file, 'upload-id': 'mp-1' });
    const back = await kv.get('u1');
    expect(back).toEqual({ file: { ...file }, 'upload-id': 'mp-1' });
    expect(back!.file).not.toBeInstanceOf(Upload);
    expect(new Upload(back!.file).sizeIsDeferred).toBe(false);
    // A deferred length (size undefined) stays undefined, not null.
    await kv.set('u2', { file: new Upload({ id: 'u2', offset: 0 }), 'upload-id': 'mp-2' });
    expect((await kv.get('u2'))!.file.size).toBeUndefined();
  });

  it('gives every entry the TTL, renewed by set', async () => {
    const kv = store<number>(120);
    await kv.set('t', 1);
    const ttl = await redis.ttl(`${prefix}t`);
    expect(ttl).toBeGreaterThan(110);
    expect(ttl).toBeLessThanOrEqual(120);
    await redis.expire(`${prefix}t`, 5);
    await kv.set('t', 2);
    expect(await redis.ttl(`${prefix}t`)).toBeGreaterThan(110);
  });

  it('lets an entry expire', async () => {
    const kv = store<number>(1);
    await kv.set('short', 1);
    // PEXPIRE instead of waiting a second: the entry is gone once its TTL runs out.
    await redis.pexpire(`${prefix}short`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await kv.get('short')).toBeUndefined();
  });

  it('lists its own keys only, without the prefix, even when the prefix has glob characters', async () => {
    const globPrefix = `${prefix}[x]*?:`;
    const kv = new RedisKvStore<number>({ redis, prefix: globPrefix, ttlSeconds: 60 });
    await kv.set('k1', 1);
    await kv.set('k2', 2);
    // A key the pattern would match if the prefix were read as a glob.
    await redis.set(`${prefix}x-other:k3`, '3', 'EX', 60);
    expect((await kv.list()).sort()).toEqual(['k1', 'k2']);
  });

  it('refuses a TTL Redis cannot express and a value JSON cannot', async () => {
    expect(() => store(0)).toThrow(RangeError);
    expect(() => store(1.5)).toThrow(RangeError);
    await expect(store<undefined>().set('u', undefined)).rejects.toThrow(TypeError);
  });

  it('rejects when Redis fails instead of pretending a miss', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => {});
    try {
      const kv = new RedisKvStore<number>({ redis: down, prefix, ttlSeconds: 60 });
      await expect(kv.get('a')).rejects.toThrow();
      await expect(kv.set('a', 1)).rejects.toThrow();
      await expect(kv.delete('a')).rejects.toThrow();
    } finally {
      down.disconnect();
    }
  });
});
