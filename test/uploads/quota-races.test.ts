import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '@airlock/testing';
import { createUpload, patch, tusHeaders, uploadBytes } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

/**
 * Quota exactly once (issue #14 item 4) through real HTTP, a few dozen rounds per race (the
 * hundreds run on the repositories: packages/db/src/quota.race.test.ts): the last bytes of an
 * upload and its deletion are sent at the same time, with a worker taking finished files
 * through the pipeline. Afterwards the user's quota in use is the sum of their complete files
 * and nothing is reserved; no request answered 5xx.
 */
const ROUNDS = 24;
const PARALLEL = 8;

describe.each(PROVIDERS)('quota races through HTTP on %s', (provider) => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ provider, env: { ALLOWED_TYPES: 'image/*', UPLOAD_MIN_CHARGE_BYTES: '0', RATE_LIMIT_PER_MINUTE: '100000' } });
    await stack.startWorker('worker');
    token = await stack.token(`racer-${provider}`);
  }, 60_000);
  afterAll(() => stack?.stop());

  const send = (method: string, url: string) => fetch(new URL(url, stack.url), { method, headers: tusHeaders(token) });
  const statuses: number[] = [];
  const record = async (res: Promise<Response>) => {
    const answer = await res;
    statuses.push(answer.status);
    await answer.arrayBuffer();
    return answer.status;
  };

  async function rounds(one: (index: number) => Promise<void>): Promise<void> {
    for (let start = 0; start < ROUNDS; start += PARALLEL) {
      await Promise.all(Array.from({ length: PARALLEL }, (_, i) => one(start + i)));
    }
  }

  it(
    'a deferred-length PATCH vs tus DELETE',
    () =>
      rounds(async () => {
        const res = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Defer-Length': '1' }) });
        expect(res.status).toBe(201);
        const url = new URL(res.headers.get('location')!, stack.url).href;
        await res.arrayBuffer();
        await Promise.all([record(patch(url, token, 0, PNG, { 'Upload-Length': String(PNG.length) })), record(send('DELETE', url))]);
      }),
    60_000,
  );

  it(
    'the last PATCH vs DELETE /files/:id',
    () =>
      rounds(async () => {
        const { body } = await createUpload(stack.url, token, PNG.length);
        const created = body as { upload_url: string; file_id: string };
        await Promise.all([record(patch(new URL(created.upload_url, stack.url).href, token, 0, PNG)), record(send('DELETE', `/files/${created.file_id}`))]);
      }),
    60_000,
  );

  it(
    'a creation with its bytes vs DELETE at once, while the pipeline takes it; some kept',
    () =>
      rounds(async (index) => {
        const created = await uploadBytes(stack.url, token, PNG);
        if (index % 3 === 0) return;
        await record(send('DELETE', index % 2 === 0 ? created.upload_url : `/files/${created.file_id}`));
      }),
    60_000,
  );

  it('ends with quota in use = the complete files, nothing reserved, no 5xx', async () => {
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const files = async () => {
      const res = await fetch(`${stack.url}/files?limit=1000`, { headers: tusHeaders(token) });
      return ((await res.json()) as { items: { status: string; size_bytes: number }[] }).items;
    };
    const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
    const settled = await waitFor(files, (items) => items.every((file) => TERMINAL.includes(file.status)), { timeoutMs: 30_000, what: 'every file terminal' });
    const complete = settled.filter((file) => file.status === 'complete');
    expect(complete.length).toBeGreaterThan(0);
    const me = (await (await fetch(`${stack.url}/me`, { headers: tusHeaders(token) })).json()) as { used_bytes: number; reserved_bytes: number };
    expect(me).toMatchObject({ used_bytes: complete.reduce((sum, file) => sum + file.size_bytes, 0), reserved_bytes: 0 });
  }, 60_000);
});
