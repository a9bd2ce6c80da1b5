import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { testEnvironment } from '../environment.js';
import { scratchDatabase, type Provider } from '../postgres.js';
import { freePort } from '../ports.js';
import { freshRedisDatabase } from '../redis.js';
import { launch, waitForHttp, type Proc } from './launch.js';

export type { Proc } from './launch.js';

/** The repository (this file is packages/testing/dist/stack/start-stack.js once built). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** ALLOWED_TYPES for tests of the protocol itself, which send random or zero bytes. */
export const OCTETS = 'application/octet-stream,text/plain,image/*';
export const JWT_SECRET = 'e2e-secret-0123456789abcdef0123456789abcdef';

export interface Stack {
  url: string;
  dataDir: string;
  env: Record<string, string>;
  /** A token for `user` signed with the stack's secret. */
  token(user: string, claims?: Record<string, unknown>): Promise<string>;
  api: Proc;
  /** Starts a worker app (`apps/<name>`) against the same database and Redis; `env` adds to the stack's. */
  startWorker(name: string, env?: Record<string, string>): Promise<Proc>;
  /** Another API process on its own port, sharing the database, Redis and DATA_DIR. */
  startApi(env?: Record<string, string>): Promise<{ url: string; proc: Proc }>;
  /** The stack's own Redis database (flushed at start). */
  redisUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the real API process (the built `apps/api/dist/main.js`) on a free port, with its own
 * DATA_DIR, a fresh database of `provider`, and its own Redis database number.
 */
export async function startStack(options: { provider?: Provider; env?: Record<string, string> } = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-'));
  const database = await scratchDatabase(options.provider ?? 'sqlite', dataDir, 'airlock_e2e');
  const port = await freePort();
  const redisUrl = await freshRedisDatabase();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PORT: String(port),
    // Each API process is told its own origin, as an operator would: without PUBLIC_URL the
    // API answers relative Locations (test/security/origins.test.ts tests that case).
    PUBLIC_URL: url,
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    AUTH_JWT_SECRET: JWT_SECRET,
    // The test clamd (AIRLOCK_TEST_CLAMD_*), for the workers a test starts.
    CLAMD_HOST: testEnvironment().clamd.host,
    CLAMD_PORT: String(testEnvironment().clamd.port),
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const procs: Proc[] = [];
  const api = await launch(ROOT, 'apps/api/dist/main.js', env, () => waitForHttp(`${url}/healthz`));
  procs.push(api);
  return {
    url,
    dataDir,
    env,
    api,
    token: (user, claims = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(JWT_SECRET)),
    redisUrl,
    async startApi(extra = {}) {
      const otherPort = await freePort();
      const otherUrl = `http://127.0.0.1:${otherPort}`;
      const proc = await launch(ROOT, 'apps/api/dist/main.js', { ...env, PUBLIC_URL: otherUrl, ...extra, PORT: String(otherPort) }, () =>
        waitForHttp(`${otherUrl}/healthz`),
      );
      procs.push(proc);
      return { url: otherUrl, proc };
    },
    async startWorker(name, extra = {}) {
      // Each worker process serves /healthz, /readyz, /metrics: its own port, so test files
      // running side by side never collide on the default.
      const healthPort = String(await freePort());
      const proc = await launch(ROOT, `apps/${name}/dist/main.js`, { ...env, WORKER_HEALTH_PORT: healthPort, ...extra }, async () => {});
      procs.push(proc);
      return proc;
    },
    async stop() {
      await Promise.all(procs.map((proc) => proc.stop()));
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
