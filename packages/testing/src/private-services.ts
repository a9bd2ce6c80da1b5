import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/**
 * Private instances of the shared services, for fault tests that stop and restart them:
 * the machine's Redis and PostgreSQL serve every other test running in parallel.
 */
export interface PrivateService {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateService> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | undefined;
  const answers = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // A refused connection is the answer "not yet" (connect() rejects); without a listener
    // ioredis also prints it as an unhandled error event.
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  };
  const service: PrivateService = {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor(answers, Boolean, { what: 'the private Redis', timeoutMs: 10_000 });
    },
    async stop() {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child?.kill('SIGKILL');
      await exited;
    },
    destroy: () => service.stop(),
  };
  await service.start();
  return service;
}

const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  const version = fs.existsSync(root) ? fs.readdirSync(root).sort().at(-1) : undefined;
  return version ? path.join(root, version, 'bin') : '';
})();

/** A throwaway PostgreSQL cluster (initdb as the postgres user), trust auth, on a free port. */
export async function privatePostgres(): Promise<PrivateService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-pg-'));
  fs.chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const asPostgres = (command: string, args: string[]) => {
    const result = spawnSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  asPostgres('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const answers = async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  };
  const service: PrivateService = {
    url,
    async start() {
      asPostgres('pg_ctl', [
        '-D',
        path.join(dir, 'data'),
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        '-l',
        path.join(dir, 'log'),
        '-w',
        'start',
      ]);
      await waitFor(answers, Boolean, { what: 'the private PostgreSQL', timeoutMs: 20_000 });
    },
    async stop() {
      asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    },
    async destroy() {
      await service.stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await service.start();
  return service;
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}
function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}
