import type { Database } from '@airlock/db';
import { cleanRefusal, type Scanner } from '@airlock/scanner';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { StorageDriver } from '@airlock/storage';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

interface Deps {
  config: { allowTestSignatures: boolean };
  db: Database;
  redis: Redis;
  scanner: Scanner;
  storage: StorageDriver;
}

type Check = { ok: boolean; error?: string } & Record<string, unknown>;

/** `/healthz`: the process runs. `/readyz`: every dependency answered (contract section 7). */
export function healthRoutes({ config, db, redis, scanner, storage }: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [dbCheck, redisCheck, clamdCheck, storageCheck] = await Promise.all([
      check(async () => {
        await db.ping();
        return {};
      }),
      check(async () => {
        if ((await redis.ping()) !== 'PONG') throw new Error('unexpected PING answer');
        return {};
      }),
      check(async () => {
        const version = await scanner.version();
        // `database: null` means only custom (test) signatures are loaded: ready where they
        // are allowed (development, tests), not ready where no file could be called clean.
        const refusal = cleanRefusal(version, config.allowTestSignatures);
        return { version: version.engine, database: version.database, ...(refusal ? { ok: false, error: refusal } : {}) };
      }),
      check(async () => {
        await roundTrip(storage);
        return { backend: storage.backend };
      }),
    ]);
    const checks = { db: dbCheck, redis: redisCheck, storage: storageCheck, clamd: clamdCheck };
    const ready = Object.values(checks).every((entry) => entry.ok);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}

/**
 * clamd answering VERSION without a database version has only custom (test) signatures: it
 * finds the test samples and nothing else, so every real file scans clean. Said once, loudly,
 * when the API starts (readiness keeps reporting `database: null`); silent if clamd is away.
 * Where test signatures are not allowed (production) no file can become complete: an error.
 */
export async function warnIfTestSignatures(scanner: Scanner, logger: Logger, allowTestSignatures: boolean): Promise<void> {
  const version = await scanner.version().catch(() => null);
  if (version?.database !== null) return;
  const refusal = cleanRefusal(version, allowTestSignatures);
  if (refusal) return void logger.error({ clamd: version.engine, database: null }, `!!! ${refusal}`);
  logger.warn(
    { clamd: version.engine, database: null },
    '!!! clamd has NO official signature database (test signatures only): uploads are NOT checked for real malware. In production run freshclam and load the official database.',
  );
}

/** `probe` resolves the entry's details (`ok: false` with an `error` for an answer that is not good enough) or rejects. */
async function check(probe: () => Promise<Record<string, unknown>>, timeoutMs = 2_000): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const details = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ...details };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Storage is ready when a marker written to quarantine reads back the same and can be deleted. */
async function roundTrip(storage: StorageDriver): Promise<void> {
  const ref = { area: 'quarantine' as const, key: `readyz/${randomUUID()}` };
  const marker = `airlock readiness ${Date.now()}`;
  await storage.write(ref, Readable.from([Buffer.from(marker)]));
  try {
    let read = '';
    for await (const chunk of await storage.read(ref)) read += String(chunk);
    if (read !== marker) throw new Error('the readiness marker read back differently');
  } finally {
    await storage.delete(ref);
  }
}
