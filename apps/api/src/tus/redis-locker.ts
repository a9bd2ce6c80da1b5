import { randomUUID } from 'node:crypto';
import { ReleaseRequests, releaseUploadLock, renewUploadLock, requestUploadRelease, takeUploadLock, uploadLockKey, UPLOAD_LOCK_PREFIX } from '@airlock/queue';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import type { Redis } from 'ioredis';
import { tusContext } from './request-context.js';

// A waiter polls: simple, and correct even when a release message is lost (see `lock`).
const FIRST_RETRY_MS = 25;
const MAX_RETRY_MS = 250;

export type LockErrorCode = 'E_LOCK_LOST' | 'E_LOCK_NOT_HELD';

export class LockError extends Error {
  readonly code: LockErrorCode;

  constructor(code: LockErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockError';
    this.code = code;
  }
}

export interface RedisLockerOptions {
  /** Regular connection: SET NX, PUBLISH, scripts. Not closed by `close()`. */
  redis: Redis;
  /**
   * Connection for the release requests' PSUBSCRIBE (ioredis refuses commands on a subscribed
   * connection). When omitted, one is duplicated from `redis` on first use, owned, and quit by
   * `close()`.
   */
  subscriber?: Redis;
  /** How long a crashed holder keeps the lock. A live holder renews it every `heartbeatMs`. */
  ttlMs?: number;
  heartbeatMs?: number;
  /** How long `lock()` waits before it throws `ERR_LOCK_TIMEOUT` (MemoryLocker's default too). */
  acquireTimeoutMs?: number;
  prefix?: string;
  /** Problems that cannot be thrown to a caller: a lost lock, a failed renewal or unlock. */
  onError?: (error: unknown) => void;
  /** Told how long each `lock()` waited and how it ended (GET /metrics). */
  onWait?: (seconds: number, outcome: LockWaitOutcome) => void;
}

export type LockWaitOutcome = 'acquired' | 'timeout' | 'aborted' | 'error';

/**
 * A tus `Locker` shared by every API process through Redis, on the upload lock protocol of
 * packages/queue/src/upload-lock.ts (the one garbage collection takes too), with tusd's
 * release protocol:
 *
 * - lock: one SET NX PX, renewed by a heartbeat while held, so a crashed process's lock
 *   expires after `ttlMs` and a long live PATCH keeps it.
 * - release request: a waiter PUBLISHes on the upload's release channel; the holder, in
 *   whichever process, hears it through that process's one pattern subscription and calls
 *   its `requestRelease` (for @tus/server, `context.cancel()`: the request ends after
 *   `lockDrainTimeout`, keeping what was written, and unlocks). The waiter retries until it
 *   gets the lock.
 * - unlock: one compare-and-delete.
 *
 * Redis errors while acquiring are thrown (no lock means no write: fail closed).
 */
export class RedisLocker implements Locker {
  readonly redis: Redis;
  readonly ttlMs: number;
  readonly heartbeatMs: number;
  readonly acquireTimeoutMs: number;
  readonly onError: (error: unknown) => void;
  readonly onWait: (seconds: number, outcome: LockWaitOutcome) => void;
  readonly prefix: string;
  private subscriber: Redis | undefined;
  private readonly ownsSubscriber: boolean;
  private requests: ReleaseRequests | undefined;

  constructor(options: RedisLockerOptions) {
    this.redis = options.redis;
    this.subscriber = options.subscriber;
    this.ownsSubscriber = !options.subscriber;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.prefix = options.prefix ?? UPLOAD_LOCK_PREFIX;
    this.onError = options.onError ?? (() => {});
    this.onWait = options.onWait ?? (() => {});
    if (this.heartbeatMs >= this.ttlMs) throw new RangeError('heartbeatMs must be shorter than ttlMs');
  }

  newLock(id: string): Lock {
    const context = tusContext();
    if (context?.bodilessCreation && context.uploadId === id) return UNCONTENDED;
    return new RedisLock(this, id, uploadLockKey(id, this.prefix));
  }

  /** This process's listener for release requests, made on first use. */
  releaseRequests(): ReleaseRequests {
    // Queue while connecting even if `redis` fails fast: the first PSUBSCRIBE is sent right
    // after the duplicate is created, and a failed one would cost the first lock.
    // No ready check: ioredis 5 sends INFO after the queued subscription and fails it ("Connection in
    // subscriber mode"), which cost the first lock of a fresh process a 500 (ioredis #2037).
    this.subscriber ??= this.redis.duplicate({ enableOfflineQueue: true, enableReadyCheck: false });
    this.requests ??= new ReleaseRequests(this.subscriber, this.prefix);
    return this.requests;
  }

  /** Stops listening; quits the subscriber only if this locker created it. Call after the HTTP server drained. */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    await this.requests?.close();
    this.requests = undefined;
    if (subscriber && this.ownsSubscriber) {
      this.subscriber = undefined;
      await subscriber.quit().catch(() => subscriber.disconnect());
    }
  }
}

/**
 * The lock of an upload a bodiless POST is creating (@tus/server takes one around
 * `store.create`): nobody else knows the id before the answer names it, and no byte is written,
 * so there is nobody to exclude and it costs no Redis round trip (issue #15). A creation with
 * a body (creation-with-upload) writes bytes and takes the Redis lock like a PATCH.
 */
const UNCONTENDED: Lock = {
  lock: async () => {},
  unlock: async () => {},
};

interface Holding {
  token: string;
  onRelease: () => void;
  timer?: NodeJS.Timeout;
}

class RedisLock implements Lock {
  private holding: Holding | undefined;

  constructor(
    private readonly locker: RedisLocker,
    private readonly uploadId: string,
    private readonly key: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const startedAt = performance.now();
    let outcome: LockWaitOutcome = 'error';
    try {
      await this.acquire(signal, requestRelease);
      outcome = 'acquired';
    } catch (error) {
      if (error === ERRORS.ERR_LOCK_TIMEOUT) outcome = signal.aborted ? 'aborted' : 'timeout';
      throw error;
    } finally {
      this.locker.onWait((performance.now() - startedAt) / 1000, outcome);
    }
  }

  private async acquire(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { redis, ttlMs, acquireTimeoutMs } = this.locker;
    const deadline = Date.now() + acquireTimeoutMs;
    const token = randomUUID();
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      // Same answer as MemoryLocker for both: @tus/server maps it to a response.
      if (signal.aborted || Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      if (await takeUploadLock(redis, this.key, token, ttlMs)) return this.hold(token, requestRelease);
      // Published on every attempt, not once: a holder that got the lock just after our
      // previous PUBLISH was not subscribed yet and missed it. Asking twice is harmless
      // (`context.cancel()` is idempotent).
      await requestUploadRelease(redis, this.uploadId, this.locker.prefix);
      await sleep(Math.min(delay, deadline - Date.now()), signal);
    }
  }

  async unlock(): Promise<void> {
    const holding = this.holding;
    if (!holding) throw new LockError('E_LOCK_NOT_HELD', `releasing ${this.key}, which this lock does not hold`);
    this.holding = undefined;
    clearTimeout(holding.timer);
    this.locker.releaseRequests().unwatch(this.uploadId, holding.onRelease);
    // Not thrown: the request's work is done, and a lock we could not delete expires by itself.
    try {
      const deleted = await releaseUploadLock(this.locker.redis, this.key, holding.token);
      if (!deleted) this.locker.onError(new LockError('E_LOCK_LOST', `${this.key} expired before unlock`));
    } catch (error) {
      this.locker.onError(new LockError('E_LOCK_LOST', `could not delete ${this.key}; it expires in ${this.locker.ttlMs} ms`, { cause: error }));
    }
  }

  private async hold(token: string, requestRelease: RequestRelease): Promise<void> {
    const onRelease = () => {
      Promise.resolve().then(requestRelease).catch(this.locker.onError);
    };
    const holding: Holding = { token, onRelease };
    try {
      await this.locker.releaseRequests().watch(this.uploadId, onRelease);
    } catch (error) {
      // Holding a lock nobody can ask us to release would block resumes: give it back.
      await releaseUploadLock(this.locker.redis, this.key, token).catch(this.locker.onError);
      throw error;
    }
    this.holding = holding;
    this.scheduleRenewal(holding, Date.now());
  }

  /** setTimeout chained after each renewal rather than setInterval: renewals never pile up on a slow Redis. */
  private scheduleRenewal(holding: Holding, renewedAt: number): void {
    holding.timer = setTimeout(() => void this.renew(holding, renewedAt), this.locker.heartbeatMs);
    // A lock must not keep a shutting-down process alive.
    holding.timer.unref();
  }

  private async renew(holding: Holding, renewedAt: number): Promise<void> {
    const { redis, ttlMs, onError } = this.locker;
    let renewed = false;
    let cause: unknown;
    try {
      renewed = await renewUploadLock(redis, this.key, holding.token, ttlMs);
    } catch (error) {
      cause = error;
    }
    if (this.holding !== holding) return; // unlocked meanwhile
    if (renewed) return this.scheduleRenewal(holding, Date.now());
    if (cause !== undefined && Date.now() - renewedAt < ttlMs) {
      onError(cause); // the key may still be ours: keep trying until the TTL would have run out
      return this.scheduleRenewal(holding, renewedAt);
    }
    // Someone else may be writing this upload now: end our request as if asked to release.
    onError(new LockError('E_LOCK_LOST', `${this.key} expired while held`, { cause }));
    holding.onRelease();
  }
}

/** Resolves after `ms` or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
