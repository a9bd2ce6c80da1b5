import { Redis } from 'ioredis';
import { testEnvironment } from './environment.js';

/** AIRLOCK_TEST_REDIS_URL with database `db` selected (none: the URL as given). */
export function testRedisUrl(db?: number): string {
  const base = testEnvironment().redisUrl;
  if (db === undefined) return base;
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}

/**
 * A Redis database of its own for one stack, flushed, so parallel test files never consume
 * each other's jobs: a counter in database 0 hands out 1..15 in turn.
 */
export async function freshRedisDatabase(): Promise<string> {
  const admin = new Redis(testRedisUrl(0), { lazyConnect: true });
  await admin.connect();
  try {
    const db = 1 + ((await admin.incr('airlock-e2e:next-db')) % 15);
    await admin.select(db);
    await admin.flushdb();
    return testRedisUrl(db);
  } finally {
    admin.disconnect();
  }
}
