import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, freshRedisDatabase, waitFor } from '@airlock/testing';
import { JWT_SECRET } from '@airlock/testing/stack';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    (response) => response.ok,
    () => false,
  );
}

/**
 * Issue #14 item 6: `npm start` stopped with Ctrl-C exits cleanly. npm start ends in
 * `exec node scripts/run-all.mjs` (API + all-roles worker); Ctrl-C in a terminal sends SIGINT
 * to the whole foreground process group, so each child gets the SIGINT *and* the SIGTERM that
 * run-all passes on. The worker used to stop twice and die on an unhandled ioredis
 * "Connection is closed" with a stack trace and exit code 1.
 */
describe('npm start stopped with Ctrl-C', () => {
  // Three rounds, each interrupted as soon as every worker role started: the janitor's first
  // job-scheduler upsert is then still under way (quitting Redis under it was a second crash).
  it.each([1, 2, 3])('exits 0, with no stack trace on stderr, when the process group gets SIGINT (round %i)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ctrl-c-'));
    dirs.push(dataDir);
    const [port, healthPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-all.mjs')], {
      cwd: ROOT,
      // Its own process group, as a shell gives a foreground job: the signal goes to the group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        WORKER_HEALTH_PORT: String(healthPort),
        DATA_DIR: dataDir,
        REDIS_URL: await freshRedisDatabase(),
        AUTH_JWT_SECRET: JWT_SECRET,
        LOG_LEVEL: 'info',
        MALLOC_ARENA_MAX: '', // unset: docker/node-env's value applies
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await waitFor(async () => stdout.includes('workers started'), Boolean, { timeoutMs: 60_000, intervalMs: 10, what: 'the worker roles' });
      await waitFor(() => answers(`http://127.0.0.1:${port}/healthz`), Boolean, { timeoutMs: 60_000, intervalMs: 10, what: 'the API' });
      // Both children run with the image's environment (docker/node-env).
      const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
      expect(children).toHaveLength(2);
      for (const pid of children) expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
      process.kill(-child.pid!, 'SIGINT');
      const { code, signal } = await exited;
      const output = `stderr:\n${stderr}\nstdout:\n${stdout}`;
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      expect(stderr, output).not.toMatch(/Connection is closed|^\s+at .+:\d+:\d+\)?$/m);
      expect(stdout, output).toContain('workers stopped');
      expect(stdout, output).toContain('api stopped');
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
