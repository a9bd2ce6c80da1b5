import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, testRedisUrl, waitFor } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The Node running the tests (24) first on PATH: the entrypoint calls `node`. */
const PATH = `${path.dirname(process.execPath)}:${process.env.PATH}`;

/** Every file below `dir` (relative), not following links (the stage apps link the worker's node_modules). */
function filesBelow(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** A process's environment as it started (`/proc/<pid>/environ`), one `NAME=value` per entry. */
function environOf(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

/**
 * The Docker image's deploy step, outside Docker (no engine runs here): docker/assemble-runtime.sh
 * builds the runtime layout from this (built) checkout, and the apps start from it, with nothing
 * but their production dependencies.
 */
describe('the image runtime layout (docker/assemble-runtime.sh)', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-image-')), 'app');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-image-data-'));
  const children: ChildProcess[] = [];

  beforeAll(() => {
    const result = spawnSync('sh', ['docker/assemble-runtime.sh', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH } });
    expect(result.status, result.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (command: string, env: Record<string, string>) => {
    const child = spawn('sh', ['docker/entrypoint.sh', command], {
      cwd: out,
      env: {
        ...process.env,
        PATH,
        DATA_DIR: dataDir,
        REDIS_URL: testRedisUrl(13),
        AUTH_JWT_SECRET: 'image-test-secret-0123456789abcdef012345',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };
  /** The image's HEALTHCHECK command, as Docker runs it in the container. */
  const healthcheck = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['docker/healthcheck.mjs'], { cwd: out, env: { ...process.env, ...env }, encoding: 'utf8' }).status;

  it('holds the deployables, the dashboard and the entrypoint; no tests, bench or TypeScript sources', () => {
    for (const entry of [
      'apps/api/dist/main.js',
      'apps/worker/dist/main.js',
      'apps/scanner/dist/main.js',
      'apps/web/dist/index.html',
      'docker/entrypoint.sh',
      'docker/healthcheck.mjs',
      'docker/node-flags',
      'docker/node-env',
    ]) {
      expect(fs.existsSync(path.join(out, entry)), entry).toBe(true);
    }
    const ours = [...filesBelow(path.join(out, 'apps')).map((f) => `apps/${f}`)].filter((f) => !f.includes('node_modules/') || f.includes('/@airlock/'));
    expect(ours.filter((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f))).toEqual([]);
    expect(ours.filter((f) => /(^|\/)(src|test|bench)\//.test(f.replace(/^.*\/@airlock\/[^/]+\//, '')) || /\.test\.js$/.test(f))).toEqual([]);
    expect(fs.readdirSync(out).sort()).toEqual(['apps', 'docker']);
    // The migrations travel with @airlock/db (the API applies them at start).
    expect(ours.some((f) => /@airlock\/db\/migrations\/sqlite\/0001_init\.sql$/.test(f))).toBe(true);
  });

  it('has no development tools in its node_modules', () => {
    for (const app of ['api', 'worker']) {
      const store = fs.readdirSync(path.join(out, 'apps', app, 'node_modules', '.pnpm'));
      for (const tool of ['vitest', 'eslint', 'turbo', 'dependency-cruiser', 'vite', '@airlock+testing', 'tus-js-client', 'playwright-core']) {
        expect(
          store.filter((name) => name.startsWith(`${tool}@`)),
          `${app}: ${tool}`,
        ).toEqual([]);
      }
    }
  });

  it('starts the API from there: migrates a fresh database, answers /healthz and /readyz, and the HEALTHCHECK passes', async () => {
    const port = String(await freePort());
    expect(healthcheck({ PORT: port, WORKER_HEALTH_PORT: '0' })).toBe(1);
    // Empty counts as unset: docker/node-env's value applies.
    const api = start('api', { PORT: port, HOST: '127.0.0.1', MALLOC_ARENA_MAX: '' });
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      { what: 'the deployed API', timeoutMs: 60_000 },
    );
    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(ready.checks.db?.ok).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200); // the dashboard
    expect(healthcheck({ PORT: port, WORKER_HEALTH_PORT: '0' })).toBe(0);
    // `exec node`: the child is the API itself, with docker/node-env's environment.
    expect(environOf(api.pid!)).toContain('MALLOC_ARENA_MAX=2');
  });

  it('starts a stage app (on the worker node_modules) and the HEALTHCHECK sees it on WORKER_HEALTH_PORT', async () => {
    const [apiPort, healthPort] = [String(await freePort()), String(await freePort())];
    // The operator's value wins over docker/node-env's.
    const validator = start('validator', { WORKER_HEALTH_PORT: healthPort, MALLOC_ARENA_MAX: '4' });
    await waitFor(
      async () => healthcheck({ PORT: apiPort, WORKER_HEALTH_PORT: healthPort }),
      (status) => status === 0,
      { what: 'the deployed validator', timeoutMs: 60_000 },
    );
    expect(environOf(validator.pid!)).toContain('MALLOC_ARENA_MAX=4');
  });
});
