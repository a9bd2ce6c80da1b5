import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { freePort, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

interface Readiness {
  status: string;
  roles: string[];
  checks: Record<string, { ok: boolean; error?: string; version?: string; database?: string | null; required?: boolean }>;
}

/** Starts a worker app with its health server on a known port; polls until it answers. */
async function workerOn(stack: Stack, app: string, env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  await stack.startWorker(app, { WORKER_HEALTH_PORT: String(port), ...env });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${base}/healthz`).then(
        (r) => r.status,
        () => 0,
      ),
    (status) => status === 200,
    { what: `${app} /healthz` },
  );
  return base;
}

async function readyz(base: string, done: (body: Readiness) => boolean): Promise<{ status: number; body: Readiness }> {
  return waitFor(
    async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: (await res.json()) as Readiness };
    },
    ({ body }) => done(body),
    { what: 'worker readiness to settle', timeoutMs: 10_000 },
  );
}

describe('worker health (WORKER_HEALTH_PORT)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it('the all-roles worker: one server, ready on db, Redis, storage and clamd; metrics with its concurrency per role', async () => {
    const base = await workerOn(stack, 'worker', { WORKER_CONCURRENCY: '3,scanner=1' });
    const { status, body } = await readyz(base, (b) => b.status === 'ready');
    expect(status).toBe(200);
    expect(body.roles).toEqual(['validator', 'scanner', 'promoter', 'janitor', 'notifier']);
    expect(body.checks).toMatchObject({ db: { ok: true }, redis: { ok: true }, storage: { ok: true, backend: 'local' }, clamd: { ok: true, database: null } });
    expect(body.checks.clamd!.version).toMatch(/^ClamAV /);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^airlock_worker_concurrency\{role="scanner"\} 1$/m);
    expect(text).toMatch(/^airlock_worker_concurrency\{role="validator"\} 3$/m);
    expect(text).toMatch(/^airlock_queue_jobs\{queue="airlock-scanner",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^airlock_stage_duration_seconds_count\{role="promoter",job="upload.promote",outcome="completed"\} 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    // Jobs this process ran are counted: one clean PNG passes validator, scanner and promoter here.
    const token = await stack.token('erin');
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'pixel.png' });
    expect(await waitForStatus(stack.url, token, up.upload_id, ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'])).toMatchObject({
      status: 'complete',
    });
    const after = await waitFor(
      () => fetch(`${base}/metrics`).then((r) => r.text()),
      (t) => /^airlock_stage_duration_seconds_count\{role="promoter",job="upload.promote",outcome="completed"\} [1-9]/m.test(t),
      { what: 'the promoter job counted' },
    );
    for (const [role, job] of [
      ['validator', 'upload.validate'],
      ['scanner', 'upload.scan'],
    ]) {
      expect(after).toMatch(new RegExp(`^airlock_stage_duration_seconds_count\\{role="${role}",job="${job}",outcome="completed"\\} [1-9]`, 'm'));
      expect(after).toMatch(new RegExp(`^airlock_stage_attempts_bucket\\{le="1",role="${role}",job="${job}",outcome="completed"\\} [1-9]`, 'm'));
    }
  });

  it('a validator does not depend on clamd; a scanner does, and says which setting to check without the address', async () => {
    const clamdPort = String(await freePort());
    const validator = await workerOn(stack, 'validator', { CLAMD_PORT: clamdPort });
    const ready = await readyz(validator, (b) => b.status === 'ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks).sort()).toEqual(['db', 'redis', 'storage']);

    const scanner = await workerOn(stack, 'scanner', { CLAMD_PORT: clamdPort });
    const { status, body } = await readyz(scanner, (b) => b.checks.redis!.ok);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', roles: ['scanner'], checks: { db: { ok: true }, clamd: { ok: false } } });
    expect(body.checks.clamd!.error).toBe('connection refused; check CLAMD_HOST, CLAMD_PORT or CLAMD_SOCKET');
    expect(JSON.stringify(body)).not.toContain(clamdPort);
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });

  it('a production scanner on test signatures is not ready, saying why', async () => {
    const scanner = await workerOn(stack, 'scanner', { NODE_ENV: 'production' });
    const { status, body } = await readyz(scanner, (b) => b.checks.redis!.ok);
    expect(status).toBe(503);
    expect(body.checks.clamd).toMatchObject({ ok: false, database: null });
    expect(body.checks.clamd!.error).toMatch(/only test signatures.*ALLOW_TEST_SIGNATURES/);
  });

  it('WORKER_HEALTH_PORT=0 serves nothing; a taken port stops the start with one line', async () => {
    const port = await freePort();
    await stack.startWorker('janitor', { WORKER_HEALTH_PORT: '0' });
    const taken = await workerOn(stack, 'promoter');
    const takenPort = new URL(taken).port;
    const clash = await stack.startWorker('notifier', { WORKER_HEALTH_PORT: takenPort });
    const code = await waitFor(
      async () => clash.child.exitCode,
      (c) => c !== null,
      { what: 'the clashing worker to exit' },
    );
    expect(code).toBe(1);
    expect(clash.output()).toContain(`Invalid configuration: WORKER_HEALTH_PORT: cannot listen on ${takenPort} (EADDRINUSE)`);
    expect(
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 'refused',
      ),
    ).toBe('refused');
  });
});
