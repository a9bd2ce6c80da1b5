import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@airlock/testing';
import { SignJWT } from 'jose';
import pg from 'pg';
import { pool } from './client.js';
import { countersOf } from './counters.js';
import { onCleanup } from './cleanup.js';
import { GiB, type Options } from './options.js';
import { launch, untilReady, waitFor, type Proc } from './processes.js';
import type { Target } from './targets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The V8 heap sizes every deployment runs the API and the workers with (docs/OPERATIONS.md, "Memory"). */
const NODE_FLAGS = fs.readFileSync(path.join(ROOT, 'docker/node-flags'), 'utf8').trim().split(/\s+/);
/** `NAME=value`: a line of docker/node-env, or an environment variable among `pnpm bench --ab`'s arguments. */
const ASSIGNMENT = /^([A-Za-z_]\w*)=(.*)$/s;
/** Their environment, as in the image (docker/node-env); the caller's value wins. */
const DEPLOYED_ENV = fs
  .readFileSync(path.join(ROOT, 'docker/node-env'), 'utf8')
  .split('\n')
  .flatMap((line) => {
    const [, name, value] = ASSIGNMENT.exec(line) ?? [];
    return name && !process.env[name] ? [[name, value!] as const] : [];
  });
const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
/** Every variable Airlock reads (packages/config): none may leak in from the caller's shell. */
const AIRLOCK_VARIABLES =
  /^(PORT|HOST|PUBLIC_URL|DATA_DIR|DATABASE_URL(_FILE)?|REDIS_URL(_FILE)?|AWS_REGION|STORAGE_BACKEND|S3_\w+|CLAMD_\w+|SCAN_\w+|MAX_UPLOAD_SIZE|CHUNK_SIZE|ALLOWED_TYPES|UPLOAD_EXPIRY_SECONDS|QUARANTINE_RETENTION_SECONDS|GC_INTERVAL_SECONDS|ORPHAN_GRACE_SECONDS|QUOTA_BYTES|RATE_LIMIT_PER_MINUTE|AUTH_\w+|SIGNED_URL_\w+|CORS_ORIGINS|WEBHOOK_\w+|LOG_LEVEL|WORKER_\w+|RECONCILE_AFTER_SECONDS|JOB_LOCK_SECONDS|IDLE_TIMEOUT_SECONDS)$/;

export interface UploadStatus {
  upload_id: string;
  file_id: string;
  status: string;
  failure_reason: string | null;
  bytes_received: number;
}

export interface Airlock extends Target {
  api: Proc;
  redis: Proc;
  worker(): Proc | undefined;
  /** Starts the worker app (apps/worker: every pipeline stage in one process) unless it runs. */
  startWorker(): Promise<Proc>;
  stopWorker(): Promise<void>;
  status(uploadUrl: string): Promise<UploadStatus>;
  /**
   * Waits until every upload since the last settle reached a terminal status (starting the
   * worker when it is not running), deletes the complete files and answers the count by status
   * and how long the wait took from the moment the worker ran.
   */
  settle(timeoutMs: number): Promise<{ counts: Record<string, number>; seconds: number; failures: unknown[] }>;
}

/**
 * The real Airlock: the built API and worker processes, started the way @airlock/testing/stack
 * starts them, on a fresh DATA_DIR, a fresh database (SQLite file, or a PostgreSQL database with
 * --postgres) and a private redis-server (so no test run sharing the machine flushes our queues).
 * `apiArgs`: extra node flags for the API, after docker/node-flags; a `NAME=value` among them is an
 * environment variable of the API instead (`pnpm bench --ab`).
 */
export async function startAirlock(options: Options, dataDir: string, apiArgs: string[] = []): Promise<Airlock> {
  fs.mkdirSync(dataDir, { recursive: true });
  const redis = await startRedis(dataDir);
  const databaseUrl = options.postgres ? await freshPostgres(options.postgresUrl) : `file:${path.join(dataDir, 'airlock.db')}`;
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    STORAGE_BACKEND: 'local',
    AUTH_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: options.logLevel,
    // Every type: random bytes are mostly application/octet-stream, but one 64 KiB slice in a
    // few hundred starts like an MP3 frame (audio/mpeg). The type check still runs in full.
    ALLOWED_TYPES: '*/*',
    MAX_UPLOAD_SIZE: String(Math.max(GiB, options.singleBytes, options.concurrent.bytes, options.pipelineBytes)),
    // The limiter and the quota still run on every request; they just never say no here.
    RATE_LIMIT_PER_MINUTE: '100000000',
    QUOTA_BYTES: String(2 ** 50),
    CLAMD_HOST: options.clamd.host,
    CLAMD_PORT: String(options.clamd.port),
    SCAN_TIMEOUT_MS: '600000',
    // No worker health server: nothing scrapes it here, and a busy default port must not stop the run.
    WORKER_HEALTH_PORT: '0',
  };
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !AIRLOCK_VARIABLES.test(name))) as Record<string, string>;
  const spawnNode = (name: string, entry: string, extra: string[] = []) => {
    const assignments: Record<string, string> = {};
    const nodeArgs: string[] = [];
    for (const arg of extra) {
      const [, name, value] = ASSIGNMENT.exec(arg) ?? [];
      if (name) assignments[name] = value!;
      else nodeArgs.push(arg);
    }
    return launch({
      name,
      command: process.execPath,
      args: [...NODE_FLAGS, ...nodeArgs, path.join(ROOT, entry)],
      env: { ...baseEnv, ...Object.fromEntries(DEPLOYED_ENV), ...env, ...assignments },
      clearEnv: true,
    });
  };

  const url = `http://127.0.0.1:${port}`;
  const api = spawnNode('api', 'apps/api/dist/main.js', apiArgs);
  await untilReady(api, () => waitFor(async () => (await fetch(`${url}/healthz`)).ok, 'the API /healthz'), 'answering /healthz');
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const headers = { Authorization: `Bearer ${token}` };

  let worker: Proc | undefined;
  let pending: string[] = [];
  const status = async (uploadUrl: string): Promise<UploadStatus> => {
    const res = await fetch(`${url}/uploads/${uploadUrl.slice(uploadUrl.lastIndexOf('/') + 1)}`, { headers });
    if (!res.ok) throw new Error(`GET /uploads/:id answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as UploadStatus;
  };

  const airlock: Airlock = {
    server: 'airlock',
    endpoint: { url, headers },
    api,
    redis: redis.proc,
    worker: () => worker,
    procs: () => [api, ...(worker ? [worker] : []), redis.proc],
    counters: countersOf(() => airlock.procs(), { apiUrl: url, redisUrl: redis.url }),
    uploaded: (uploadUrl) => void pending.push(uploadUrl),
    reset: async () => {},
    async startWorker() {
      if (worker?.alive()) return worker;
      const started = spawnNode('worker', 'apps/worker/dist/main.js');
      const logs = ['trace', 'debug', 'info'].includes(options.logLevel);
      await untilReady(
        started,
        () => (logs ? waitFor(async () => started.output().includes('workers started'), 'the worker') : new Promise((resolve) => setTimeout(resolve, 1_000))),
        'starting its workers',
      );
      return (worker = started);
    },
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    status,
    async settle(timeoutMs) {
      await airlock.startWorker();
      const started = performance.now();
      const uploads = pending;
      pending = [];
      const final: UploadStatus[] = [];
      // The pipeline takes uploads roughly in order: poll the oldest unfinished one, so the
      // polling costs O(uploads) requests and does not compete with the worker.
      const deadline = Date.now() + timeoutMs;
      for (const uploadUrl of uploads) {
        for (;;) {
          const current = await status(uploadUrl);
          if (TERMINAL.includes(current.status)) {
            final.push(current);
            break;
          }
          if (Date.now() > deadline) throw new Error(`upload ${uploadUrl} still ${current.status} after ${timeoutMs} ms:\n${worker?.output().slice(-4000)}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const counts: Record<string, number> = {};
      for (const { status: name } of final) counts[name] = (counts[name] ?? 0) + 1;
      // Why the first few did not complete (GET /files/:id has the scan's result and detail).
      const failures = await Promise.all(
        final
          .filter((upload) => upload.status !== 'complete')
          .slice(0, 3)
          .map(async (upload) => (await fetch(`${url}/files/${upload.file_id}`, { headers })).json()),
      );
      // Keep the disk as empty as the bare server's: delete what completed (untimed).
      await pool(final.length, 8, async (index) => {
        const { file_id: fileId, status: name } = final[index]!;
        if (name !== 'complete') return;
        const res = await fetch(`${url}/files/${fileId}`, { method: 'DELETE', headers });
        if (res.status !== 204) throw new Error(`DELETE /files/${fileId} answered ${res.status}: ${await res.text()}`);
      });
      return { counts, seconds, failures };
    },
  };
  return airlock;
}

/** A redis-server of our own on a free port, no persistence; stopped with the bench. */
async function startRedis(dataDir: string): Promise<{ proc: Proc; url: string }> {
  let binary: string;
  try {
    binary = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server is not installed: the bench runs a private Redis for Airlock (apt-get install redis-server)');
  }
  const port = await freePort();
  const proc = launch({
    name: 'redis',
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir],
  });
  await untilReady(proc, () => waitFor(() => redisAnswers(port), 'redis-server'), 'answering PING');
  return { proc, url: `redis://127.0.0.1:${port}` };
}

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

async function freshPostgres(adminUrl: string): Promise<string> {
  const name = `airlock_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  onCleanup(`drop database ${name}`, () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
