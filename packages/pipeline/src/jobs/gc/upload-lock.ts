import { randomUUID } from 'node:crypto';
import { releaseUploadLock, takeUploadLock, uploadLockKey, UPLOAD_LOCK_PREFIX, type producerConnection } from '@airlock/queue';

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

/**
 * The API's upload lock, on the one protocol both use (packages/queue/src/upload-lock.ts):
 * held by every tus request while it writes. Garbage collection takes
 * the same lock, so a chunk being written and the deletion of that upload's bytes exclude
 * each other across processes. The API's heartbeat keeps a long PATCH's lock alive; ours is
 * held for one upload's deletions only, and expires by itself if this process dies.
 *
 * `prefix` is the API's (`airlock:`); tests pass their own to stay apart.
 */
export function createUploadLocks(redis: RedisConnection, { prefix = UPLOAD_LOCK_PREFIX, ttlMs = 15_000 } = {}): UploadLocks {
  return {
    async withLock(uploadId, work) {
      const key = uploadLockKey(uploadId, prefix);
      const token = randomUUID();
      if (!(await takeUploadLock(redis, key, token, ttlMs))) return BUSY;
      try {
        return await work();
      } finally {
        // Not fatal: a lock we could not delete expires after ttlMs.
        await releaseUploadLock(redis, key, token).catch(() => {});
      }
    },
  };
}
