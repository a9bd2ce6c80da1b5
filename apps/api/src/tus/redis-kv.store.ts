import type { KvStore } from '@tus/utils';
import type { Redis } from 'ioredis';

export interface RedisKvStoreOptions {
  redis: Redis;
  /** Prepended to every key, e.g. `airlock:tus-s3:`; `list()` returns keys without it. */
  prefix: string;
  /** Each entry expires this long after it was last set: entries of abandoned uploads do not pile up. */
  ttlSeconds: number;
}

/**
 * A tus `KvStore` in Redis, so every API process shares one metadata cache (@tus/s3-store's
 * default, `MemoryKvStore`, is per process). Values are stored as JSON: they come back as
 * plain data, so a class instance (an `Upload`) returns without its prototype, and a value
 * changed after `set()` is not changed in the store (unlike `MemoryKvStore`, which hands back
 * the very object): set it again or delete it.
 *
 * Fails as Redis does: a command that fails rejects (no silent miss, no silent stale entry).
 */
export class RedisKvStore<T> implements KvStore<T> {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor({ redis, prefix, ttlSeconds }: RedisKvStoreOptions) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError(`ttlSeconds must be a whole number ≥ 1, got ${ttlSeconds}`);
    this.redis = redis;
    this.prefix = prefix;
    this.ttlSeconds = ttlSeconds;
  }

  async get(key: string): Promise<T | undefined> {
    const json = await this.redis.get(this.prefix + key);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async set(key: string, value: T): Promise<void> {
    const json = JSON.stringify(value);
    // JSON.stringify(undefined) is undefined: storing it would read back as a parse error.
    if (json === undefined) throw new TypeError(`value for ${key} is not JSON-serialisable`);
    await this.redis.set(this.prefix + key, json, 'EX', this.ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  /** Every live key under the prefix (SCAN, so Redis is never blocked); for diagnostics, not hot paths. */
  async list(): Promise<string[]> {
    const keys = new Set<string>();
    const match = `${escapeGlob(this.prefix)}*`;
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      for (const key of batch) keys.add(key.slice(this.prefix.length));
    } while (cursor !== '0');
    return [...keys];
  }
}

/** SCAN MATCH treats `* ? [ ] \` as pattern syntax; a prefix is literal. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
