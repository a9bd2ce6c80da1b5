import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { freshDatabase, type Provider } from './databases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REDIS_BASE = 'redis://127.0.0.1:6379';
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

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  restart(): Promise<void>;
}

/**
 * Starts the real API process (the built `apps/api/dist/main.js`) on a free port, with its own
 * DATA_DIR, a fresh database of `provider`, and its own Redis database number.
 */
export async function startStack(options: { provider?: Provider; env?: Record<string, string> } = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-e2e-'));
  const database = await freshDatabase(options.provider ?? 'sqlite', dataDir);
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
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const procs: Proc[] = [];
  const api = await launch('apps/api/dist/main.js', env, () => waitForHttp(`${url}/healthz`));
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
      const proc = await launch('apps/api/dist/main.js', { ...env, PUBLIC_URL: otherUrl, ...extra, PORT: String(otherPort) }, () => waitForHttp(`${otherUrl}/healthz`));
      procs.push(proc);
      return { url: otherUrl, proc };
    },
    async startWorker(name, extra = {}) {
      // Each worker process serves /healthz, /readyz, /metrics: its own port, so test files
      // running side by side never collide on the default.
      const healthPort = String(await freePort());
      const proc = await launch(`apps/${name}/dist/main.js`, { ...env, WORKER_HEALTH_PORT: healthPort, ...extra }, async () => {});
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

async function launch(entry: string, env: Record<string, string>, ready: () => Promise<void>): Promise<Proc> {
  let child: ChildProcess;
  let output = '';
  const start = async () => {
    child = spawn(process.execPath, [path.join(ROOT, entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await Promise.race([
      ready(),
      new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)))),
    ]);
  };
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await start();
  return {
    get child() {
      return child;
    },
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child.kill('SIGTERM');
      return exited();
    },
    restart: start,
  };
}

/**
 * Each stack gets a Redis database of its own, so parallel test files never consume each
 * other's jobs: a counter in database 0 hands out 1..15 in turn.
 */
export async function freshRedisDatabase(): Promise<string> {
  const admin = new Redis(REDIS_BASE, { lazyConnect: true });
  await admin.connect();
  try {
    const db = 1 + ((await admin.incr('airlock-e2e:next-db')) % 15);
    await admin.select(db);
    await admin.flushdb();
    return `${REDIS_BASE}/${db}`;
  } finally {
    admin.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
