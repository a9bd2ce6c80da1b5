import { createReadiness, type CheckSpec } from '@airlock/core';
import type { Database } from '@airlock/db';
import { clamdReadiness, cleanRefusal, type Scanner } from '@airlock/scanner';
import type { StorageDriver } from '@airlock/storage';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

interface Deps {
  config: { allowTestSignatures: boolean; storage: { backend: 'local' | 's3' } };
  db: Database;
  redis: Redis;
  scanner: Scanner;
  storage: StorageDriver;
  logger: Logger;
}

/**
 * `/healthz`: the process runs. `/readyz`: what the API needs to take uploads answered
 * (contract section 7). clamd is the scanner's dependency, not the API's: its entry is kept
 * (the contract lists it, and an operator looking at one page wants to see it) but marked
 * `required: false` and never makes the API unready; the scanner's own `/readyz` counts it.
 * The body is public: failures give a short reason and the setting to check; the logs get
 * the whole error.
 */
export function healthRoutes({ config, db, redis, scanner, storage, logger }: Deps): Router {
  const router = Router();
  const storageSetting = config.storage.backend === 's3' ? 'S3_ENDPOINT, S3_BUCKET, S3_QUARANTINE_BUCKET and the S3 credentials' : 'DATA_DIR';
  const specs: Record<string, CheckSpec> = {
    db: { setting: 'DATABASE_URL', probe: () => db.ping().then(() => ({})) },
    redis: { setting: 'REDIS_URL', probe: () => pingRedis(redis) },
    // Read-only: a HeadBucket per bucket on S3, an access check of the folders locally.
    storage: {
      setting: storageSetting,
      probe: async () => {
        await Promise.all([storage.checkAccess('quarantine'), storage.checkAccess('final')]);
        return { backend: storage.backend };
      },
    },
    clamd: { setting: 'CLAMD_HOST, CLAMD_PORT or CLAMD_SOCKET', required: false, probe: () => clamdReadiness(scanner, config.allowTestSignatures) },
  };
  const readiness = createReadiness(specs, {
    failed: (name, error) => logger.warn({ check: name, err: error }, 'readiness check failed'),
    recovered: (name) => logger.info({ check: name }, 'readiness check recovered'),
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, body } = await readiness();
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json(body);
  });
  return router;
}

async function pingRedis(redis: Pick<Redis, 'ping'>): Promise<Record<string, unknown>> {
  if ((await redis.ping()) !== 'PONG') throw new Error('unexpected PING answer');
  return {};
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
