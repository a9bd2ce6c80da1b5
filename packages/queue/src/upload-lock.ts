import type { Redis } from 'ioredis';

/**
 * THE upload lock protocol, one home for the API's tus locker (apps/api/src/tus/redis-locker.ts)
 * and garbage collection (packages/worker-runtime jobs/gc/upload-lock.ts): a chunk being
 * written and the deletion of that upload's bytes exclude each other across processes.
 *
 * - take: `SET <prefix>lock:<id> <token> NX PX <ttl>` — one round trip;
 * - renew: compare-and-PEXPIRE (Lua), by the holder's heartbeat;
 * - release: compare-and-DEL (Lua) — one round trip. Both scripts act only while the key
 *   still holds our token: a holder whose lock expired (a long GC pause, a partition) must
 *   neither free nor prolong the next holder's lock;
 * - ask the holder to let go: PUBLISH on `<prefix>lock-release:<id>`. Each process listens
 *   with ONE pattern subscription for all its locks (`ReleaseRequests`), so holding a lock
 *   costs no SUBSCRIBE / UNSUBSCRIBE round trips.
 */
export const UPLOAD_LOCK_PREFIX = 'airlock:';

const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const COMPARE_AND_EXPIRE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** The key of an upload's lock. */
export function uploadLockKey(uploadId: string, prefix = UPLOAD_LOCK_PREFIX): string {
  return `${prefix}lock:${uploadId}`;
}

/** The channel on which a waiter asks the holder of `uploadId`'s lock to let go. */
export function releaseChannel(uploadId: string, prefix = UPLOAD_LOCK_PREFIX): string {
  return `${prefix}lock-release:${uploadId}`;
}

/** True when the lock was free and is now ours under `token`. Rejects when Redis does not answer. */
export async function takeUploadLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
}

interface LockScripts {
  airlockLockCompareAndDelete(key: string, token: string): Promise<number>;
  airlockLockCompareAndExpire(key: string, token: string, ttlMs: number): Promise<number>;
}

/**
 * The scripts as commands of `redis` (ioredis `defineCommand`): sent by SHA (EVALSHA), the
 * script's text only when Redis does not know it yet (after a restart).
 */
function scripted(redis: Redis): Redis & LockScripts {
  if (!('airlockLockCompareAndDelete' in redis)) {
    redis.defineCommand('airlockLockCompareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    redis.defineCommand('airlockLockCompareAndExpire', { numberOfKeys: 1, lua: COMPARE_AND_EXPIRE });
  }
  return redis as Redis & LockScripts;
}

/** True when the lock was still ours and is now free. */
export async function releaseUploadLock(redis: Redis, key: string, token: string): Promise<boolean> {
  return (await scripted(redis).airlockLockCompareAndDelete(key, token)) === 1;
}

/** True when the lock was still ours and now lives `ttlMs` more. */
export async function renewUploadLock(redis: Redis, key: string, token: string, ttlMs: number): Promise<boolean> {
  return (await scripted(redis).airlockLockCompareAndExpire(key, token, ttlMs)) === 1;
}

/** Asks whoever holds `uploadId`'s lock, in any process, to let go. */
export async function requestUploadRelease(redis: Redis, uploadId: string, prefix = UPLOAD_LOCK_PREFIX): Promise<void> {
  await redis.publish(releaseChannel(uploadId, prefix), '1');
}

/**
 * One process's listener for release requests: a single `PSUBSCRIBE <prefix>lock-release:*`
 * on its own connection (ioredis refuses commands on a subscribed connection), made on first
 * use; holders register and unregister locally.
 */
export class ReleaseRequests {
  private readonly handlers = new Map<string, Set<() => void>>();
  private subscribed: Promise<unknown> | undefined;
  private readonly pattern: string;
  private readonly onMessage = (_pattern: string, channel: string) => {
    for (const handler of this.handlers.get(channel) ?? []) handler();
  };

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix = UPLOAD_LOCK_PREFIX,
  ) {
    this.pattern = `${releaseChannel('', prefix)}*`;
  }

  /** Calls `onRelease` whenever someone asks for `uploadId`'s lock; resolves once the process listens. */
  async watch(uploadId: string, onRelease: () => void): Promise<void> {
    const channel = releaseChannel(uploadId, this.prefix);
    const handlers = this.handlers.get(channel) ?? new Set();
    handlers.add(onRelease);
    this.handlers.set(channel, handlers);
    try {
      await this.listen();
    } catch (error) {
      this.unwatch(uploadId, onRelease);
      throw error;
    }
  }

  unwatch(uploadId: string, onRelease: () => void): void {
    const channel = releaseChannel(uploadId, this.prefix);
    const handlers = this.handlers.get(channel);
    if (handlers?.delete(onRelease) && handlers.size === 0) this.handlers.delete(channel);
  }

  /** Holders currently registered (tests: nothing leaks). */
  get watching(): number {
    return this.handlers.size;
  }

  /** Stops listening (the connection is the caller's to quit). */
  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber.off('pmessage', this.onMessage);
    const subscribed = this.subscribed;
    this.subscribed = undefined;
    if (subscribed) await this.subscriber.punsubscribe(this.pattern).catch(() => {});
  }

  private listen(): Promise<unknown> {
    if (!this.subscribed) {
      this.subscriber.on('pmessage', this.onMessage);
      this.subscribed = this.subscriber.psubscribe(this.pattern).catch((error: unknown) => {
        // The next holder tries again.
        this.subscriber.off('pmessage', this.onMessage);
        this.subscribed = undefined;
        throw error;
      });
    }
    return this.subscribed;
  }
}
