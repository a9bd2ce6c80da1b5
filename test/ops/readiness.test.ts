import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

interface Readiness {
  status: string;
  checks: Record<string, { ok: boolean; error?: string; version?: string; database?: string | null }>;
}

async function readyz(stack: Stack): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${stack.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

/** A port nothing listens on (taken free, then released). */
const closedPort = () => freePort();

/** The API connects to Redis in the background: readiness settles shortly after start. */
const settled = (stack: Stack, done: (body: Readiness) => boolean) =>
  waitFor(
    () => readyz(stack),
    ({ body }) => done(body),
    { what: 'readiness to settle', timeoutMs: 10_000 },
  );

/** Each case has its own stack, stopped whatever happens. */
async function withStack(env: Record<string, string>, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({ env });
  try {
    await run(stack);
  } finally {
    await stack.stop();
  }
}

describe('readiness (GET /readyz)', () => {
  it('is 200 when the database, Redis and clamd answer, and warns once about test signatures', () =>
    withStack({}, async (stack) => {
      const { status, body } = await settled(stack, (body) => body.status === 'ready');
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ready', checks: { db: { ok: true }, redis: { ok: true }, storage: { ok: true }, clamd: { ok: true } } });
      expect(body.checks.clamd!.version).toMatch(/^ClamAV /);
      // The clamd of the test environment has only the test signatures.
      expect(body.checks.clamd!.database).toBeNull();
      const output = await waitFor(
        async () => stack.api.output(),
        (text) => text.includes('NO official signature database'),
        { what: 'the test-signature warning' },
      );
      expect(output.match(/NO official signature database/g)).toHaveLength(1);
    }));

  it('stays 200 when clamd does not answer: clamd is reported, not required (the scanner readiness counts it)', async () => {
    const port = String(await closedPort());
    await withStack({ CLAMD_PORT: port }, async (stack) => {
      const { status, body } = await settled(stack, (body) => body.checks.redis!.ok);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'ready',
        checks: { db: { ok: true }, redis: { ok: true }, storage: { ok: true }, clamd: { ok: false, required: false } },
      });
      // Public answer: a reason and the setting, never the address.
      expect(body.checks.clamd!.error).toBe('connection refused; check CLAMD_HOST, CLAMD_PORT or CLAMD_SOCKET');
      expect(JSON.stringify(body)).not.toContain(port);
    });
  });

  it('checks storage read-only: probes write nothing, and a missing quarantine folder is 503 naming DATA_DIR', () =>
    withStack({}, async (stack) => {
      await settled(stack, (body) => body.status === 'ready');
      for (let i = 0; i < 5; i += 1) expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
      const quarantine = path.join(stack.dataDir, 'quarantine');
      expect(fs.readdirSync(quarantine)).toEqual([]);
      fs.rmSync(quarantine, { recursive: true });
      const { status, body } = await readyz(stack);
      expect(status).toBe(503);
      expect(body.checks.storage).toEqual({ ok: false, error: 'not found; check DATA_DIR' });
      expect(JSON.stringify(body)).not.toContain(stack.dataDir);
      // The full error is in the log, for the operator.
      await waitFor(
        async () => stack.api.output(),
        (out) => out.includes('readiness check failed') && out.includes(quarantine),
        { what: 'the logged cause' },
      );
    }));

  it('is 503 when Redis does not answer, while the API starts and stays alive', async () =>
    withStack({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }, async (stack) => {
      expect(await (await fetch(`${stack.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const { status, body } = await settled(stack, (body) => body.checks.clamd!.ok);
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 'unavailable', checks: { db: { ok: true }, redis: { ok: false }, clamd: { ok: true } } });
      expect(body.checks.redis!.error).toMatch(/; check REDIS_URL$/);
      // Metrics still answer: the queue series are left out, the rest is there.
      const metrics = await fetch(`${stack.url}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('airlock_files_in_flight{status="pending"} 0');
      expect(text).not.toMatch(/^airlock_queue_jobs\{/m);
    }));
});
