import { randomUUID } from 'node:crypto';
import { ERRORS } from '@tus/utils';
import { Redis } from 'ioredis';
import { testRedisUrl } from '@airlock/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LockError, RedisLocker, type RedisLockerOptions } from './redis-locker.js';
import { withTusContext } from './request-context.js';

// Integration test against the real Redis, in a spare DB and under a random prefix.
const REDIS_URL = testRedisUrl(14);
const prefix = `test-locker-${randomUUID()}:`;
const connections: Redis[] = [];
const lockers: RedisLocker[] = [];

function connect(connectionName?: string): Redis {
  const redis = new Redis(REDIS_URL, connectionName ? { connectionName } : {});
  connections.push(redis);
  return redis;
}

/** One locker per simulated process, each with its own connections. */
function processLocker(options: Partial<RedisLockerOptions> = {}) {
  const errors: unknown[] = [];
  const redis = connect();
  const locker = new RedisLocker({ redis, subscriber: connect(), prefix, onError: (e) => errors.push(e), ...options });
  lockers.push(locker);
  return { locker, redis, errors };
}

/** A `requestRelease` that records its calls and can be awaited. */
function releaseSpy() {
  let resolve!: () => void;
  const called = new Promise<void>((r) => (resolve = r));
  const spy = Object.assign(() => resolve(), { called });
  return spy;
}

/** Rejects if `promise` takes longer than `ms`, so a broken locker fails fast instead of hanging. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);
}

const never = () => new AbortController().signal;
const noop = () => {};

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((r) => setTimeout(() => r(marker), ms)),
  ]);
  return winner === marker;
}

afterEach(async () => {
  await Promise.all(lockers.splice(0).map((l) => l.close()));
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await Promise.all(connections.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
});

describe('RedisLocker', () => {
  it('lets one process hold an upload at a time; the next waits until it unlocks', async () => {
    const a = processLocker();
    const b = processLocker();
    const held = a.locker.newLock('u1');
    await held.lock(never(), noop);

    const waiting = b.locker.newLock('u1').lock(never(), noop);
    expect(await pendingAfter(waiting, 300)).toBe(true);
    // Another upload is not blocked.
    const other = b.locker.newLock('u2');
    await other.lock(never(), noop);
    await other.unlock();

    await held.unlock();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('asks the holder in another process to release, as @tus/server does with context.cancel()', async () => {
    const a = processLocker();
    const b = processLocker({ acquireTimeoutMs: 3_000 });
    const held = a.locker.newLock('u1');
    const release = releaseSpy();
    // The holder's request ends when asked and unlocks in its `finally`, like PatchHandler.
    let cancelled = false;
    await held.lock(never(), () => {
      release();
      if (cancelled) return; // context.cancel() is idempotent; waiters ask on every retry
      cancelled = true;
      setTimeout(() => void held.unlock(), 50);
    });

    const started = Date.now();
    await b.locker.newLock('u1').lock(never(), noop);
    await release.called;
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps a live holder locked beyond its ttl (heartbeat), so a waiter times out', async () => {
    const a = processLocker({ ttlMs: 300 });
    const b = processLocker({ acquireTimeoutMs: 1_000 });
    await a.locker.newLock('u1').lock(never(), noop); // ignores release requests
    const started = Date.now();
    await expect(b.locker.newLock('u1').lock(never(), noop)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(a.errors).toEqual([]);
  });

  it("frees a crashed holder's lock after its ttl", async () => {
    const a = processLocker({ ttlMs: 500 });
    const b = processLocker();
    await a.locker.newLock('u1').lock(never(), noop);
    a.redis.disconnect(); // the process dies: no heartbeat, no unlock

    const started = Date.now();
    await b.locker.newLock('u1').lock(never(), noop);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("does not let a stale holder's unlock delete the next holder's lock", async () => {
    const a = processLocker({ ttlMs: 300, heartbeatMs: 100 });
    const b = processLocker();
    const stale = a.locker.newLock('u1');
    const release = releaseSpy();
    await stale.lock(never(), release);
    await b.redis.del(`${prefix}lock:u1`); // as if the TTL ran out during a long pause

    const fresh = b.locker.newLock('u1');
    await fresh.lock(never(), noop);
    // The stale holder's heartbeat notices and asks its own request to stop.
    await within(release.called, 2_000);
    await stale.unlock();
    expect(await b.redis.get(`${prefix}lock:u1`)).not.toBeNull();
    expect(a.errors.some((e) => e instanceof LockError && e.code === 'E_LOCK_LOST')).toBe(true);

    // …so a third process still has to wait for the fresh holder.
    const c = processLocker({ acquireTimeoutMs: 300 });
    await expect(c.locker.newLock('u1').lock(never(), noop)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    await fresh.unlock();
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const a = processLocker();
    const b = processLocker(); // default 30 s acquire timeout
    await a.locker.newLock('u1').lock(never(), noop);
    const controller = new AbortController();
    const waiting = b.locker.newLock('u1').lock(controller.signal, noop);
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(waiting).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('throws ERR_LOCK_TIMEOUT after the acquire timeout, and reports each wait with its outcome', async () => {
    const waits: [number, string][] = [];
    const onWait = (seconds: number, outcome: string) => waits.push([seconds, outcome]);
    const a = processLocker({ onWait });
    const b = processLocker({ acquireTimeoutMs: 300, onWait });
    await a.locker.newLock('u1').lock(never(), noop);
    const started = Date.now();
    await expect(b.locker.newLock('u1').lock(never(), noop)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(waits.map(([, outcome]) => outcome)).toEqual(['acquired', 'timeout']);
    expect(waits[1]![0]).toBeGreaterThanOrEqual(0.28);
  });

  it('never lets two processes inside at once under contention', async () => {
    const processes = [processLocker(), processLocker(), processLocker()];
    let inside = 0;
    let maxInside = 0;
    let entries = 0;
    await Promise.all(
      processes.flatMap(({ locker }) =>
        Array.from({ length: 4 }, async () => {
          const lock = locker.newLock('u1');
          await lock.lock(never(), noop);
          try {
            maxInside = Math.max(maxInside, ++inside);
            entries++;
            await new Promise((r) => setTimeout(r, 10));
          } finally {
            inside--;
            await lock.unlock();
          }
        }),
      ),
    );
    expect(entries).toBe(12);
    expect(maxInside).toBe(1);
  });

  it('listens for release requests with one pattern subscription per process, leaks no holders; close() quits a subscriber it created', async () => {
    // The owned subscriber is duplicated from `redis`, name included: found in CLIENT LIST by it.
    const name = `locker-test-${randomUUID()}`;
    const redis = connect(name);
    const admin = connect();
    const subscriptions = async () => {
      const lines = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=${name} `));
      return lines.map((line) => `${/ sub=(\d+)/.exec(line)?.[1]}/${/ psub=(\d+)/.exec(line)?.[1]}`).filter((counts) => counts !== '0/0');
    };
    const locker = new RedisLocker({ redis, prefix });
    for (let i = 0; i < 3; i++) {
      const lock = locker.newLock(`u${i}`);
      await lock.lock(never(), noop);
      expect(locker.releaseRequests().watching).toBe(1);
      await lock.unlock();
      expect(locker.releaseRequests().watching).toBe(0);
    }
    // One PSUBSCRIBE for all three locks, made once; no SUBSCRIBE per lock.
    expect(await subscriptions()).toEqual(['0/1']);
    const subscriber = (locker as unknown as { subscriber: Redis }).subscriber;
    expect(subscriber.listenerCount('pmessage')).toBe(1);
    await locker.close();
    await vi.waitFor(() => expect(subscriber.status).toBe('end'));
    expect(await subscriptions()).toEqual([]);
    await expect(locker.newLock('u1').unlock()).rejects.toMatchObject({ code: 'E_LOCK_NOT_HELD' });
  });

  it('takes and releases a lock in one Redis round trip each once the process listens', async () => {
    const redis = connect();
    const subscriber = connect();
    const locker = new RedisLocker({ redis, subscriber, prefix });
    await locker.releaseRequests().watch('warm', noop);
    const sent: string[] = [];
    for (const connection of [redis, subscriber]) {
      const sendCommand = connection.sendCommand.bind(connection);
      connection.sendCommand = ((command: { name: string }) => {
        sent.push(command.name);
        return sendCommand(command as never);
      }) as typeof connection.sendCommand;
    }
    const lock = locker.newLock('u-round-trips');
    await lock.lock(never(), noop);
    expect(sent).toEqual(['set']);
    await lock.unlock();
    expect(sent).toEqual(['set', 'evalsha']);

    // A bodiless POST creating this very id: nobody else can know it yet, no Redis at all.
    sent.length = 0;
    const creation = { caller: { userId: 'alice' } as never, uploadId: 'u-new', bodilessCreation: true };
    await withTusContext(creation, async () => {
      const created = locker.newLock('u-new');
      await created.lock(never(), noop);
      await created.unlock();
      // Any other id in that request still takes the real lock.
      const other = locker.newLock('u-other');
      await other.lock(never(), noop);
      await other.unlock();
    });
    expect(sent).toEqual(['set', 'evalsha']);
    // A creation that carries bytes (creation-with-upload) locks like a PATCH.
    sent.length = 0;
    await withTusContext({ ...creation, bodilessCreation: false }, async () => {
      const created = locker.newLock('u-new');
      await created.lock(never(), noop);
      await created.unlock();
    });
    expect(sent).toEqual(['set', 'evalsha']);
    await locker.close();
  });
});
