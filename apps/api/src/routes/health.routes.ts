import type { Database } from '@airlock/db';
import { Router } from 'express';
import type { Redis } from 'ioredis';

interface Deps {
  db: Database;
  redis: Redis;
}

/** `/healthz`: the process runs. `/readyz`: every dependency answered (contract section 7). */
export function healthRoutes({ db, redis }: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [dbCheck, redisCheck] = await Promise.all([
      check(() => db.ping()),
      check(async () => {
        if ((await redis.ping()) !== 'PONG') throw new Error('unexpected PING answer');
      }),
    ]);
    const checks = { db: dbCheck, redis: redisCheck };
    const ready = Object.values(checks).every((entry) => entry.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}

async function check(probe: () => Promise<void>, timeoutMs = 2_000): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
