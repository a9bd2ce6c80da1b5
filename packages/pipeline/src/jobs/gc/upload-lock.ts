import { randomUUID } from 'node:crypto';
import type { producerConnection } from '@airlock/queue';

/** The producer connection: fails fast when Redis is away, so a lock is never assumed. */
export type RedisConnection = ReturnType<typeof producerConnection>;

/** Returned by `withLock` when someone else holds the upload's lock. */
export const BUSY: unique symbol = Symbol('busy');

export interface UploadLocks {
  /**
   * Runs `work` holding the upload's tus lock, or returns BUSY at once if anyone holds it
   * (an API request writing a chunk, or another collector). Never waits and never asks the
   * holder to let go. Rejects when Redis does not answer: no lock, no deletion.
   */
  withLock<T>(uploadId: string, work: () => Promise<T>): Promise<T | typeof BUSY>;
}

// Only while the key still holds our token: a lock that expired and was taken by a request
// must not be freed by us (the API's RedisLocker releases the same way).
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The API's upload lock (apps/api/src/tus/redis-locker.ts): `SET <prefix>lock:<uploadId>
 * <token> NX PX <ttl>`, held by every tus request while it writes. Garbage collection takes
 * the same lock, so a chunk being written and the deletion of that upload's bytes exclude
 * each other across processes. The API's heartbeat keeps a long PATCH's lock alive; ours is
 * held for one upload's deletions only, and expires by itself if this process dies.
 *
 * `prefix` is the API's (`airlock:`); tests pass their own to stay apart.
 */
export function createUploadLocks(redis: RedisConnection, { prefix = 'airlock:', ttlMs = 15_000 } = {}): UploadLocks {
  return {
    async withLock(uploadId, work) {
      const key = uploadLockKey(uploadId, prefix);
      const token = randomUUID();
      if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return BUSY;
      try {
        return await work();
      } finally {
        // Not fatal: a lock we could not delete expires after ttlMs.
        await redis.eval(COMPARE_AND_DELETE, 1, key, token).catch(() => {});
      }
    },
  };
}

/** The key of an upload's lock, as the API names it. */
export function uploadLockKey(uploadId: string, prefix = 'airlock:'): string {
  return `${prefix}lock:${uploadId}`;
}
