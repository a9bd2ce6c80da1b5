import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const QUOTA = 1000;

describe('quotas and rate limits at the door', () => {
  let stack: Stack;

  beforeAll(async () => {
    // No minimum charge: these tests check the reservation arithmetic byte for byte
    // (test/security/disk-accounting.test.ts covers the minimum charge).
    stack = await startStack({ env: { QUOTA_BYTES: String(QUOTA), RATE_LIMIT_PER_MINUTE: '40', ALLOWED_TYPES: OCTETS, UPLOAD_MIN_CHARGE_BYTES: '0' } });
  });
  afterAll(() => stack?.stop());

  const me = async (token: string) => (await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${token}` } })).json();

  it('gives exactly one 201 and one 413 to two parallel POSTs that only fit alone', async () => {
    const token = await stack.token('racer');
    const [a, b] = await Promise.all([createUpload(stack.url, token, 600), createUpload(stack.url, token, 600)]);
    expect([a.res.status, b.res.status].sort()).toEqual([201, 413]);
    expect(await me(token)).toEqual({ user_id: 'racer', quota_bytes: QUOTA, used_bytes: 0, reserved_bytes: 600 });
  });

  it('answers 413 when the upload does not fit the remaining quota, and frees it when terminated', async () => {
    const token = await stack.token('saver');
    const { res, body } = await createUpload(stack.url, token, 900);
    expect(res.status).toBe(201);
    expect((await createUpload(stack.url, token, 200)).res.status).toBe(413);
    const url = (body as { upload_url: string }).upload_url;
    expect((await fetch(url, { method: 'DELETE', headers: tusHeaders(token) })).status).toBe(204);
    expect(await me(token)).toMatchObject({ reserved_bytes: 0 });
    expect((await createUpload(stack.url, token, 200)).res.status).toBe(201);
  });

  it('reserves a deferred-length upload as its bytes arrive, 413 past the quota', async () => {
    const token = await stack.token('deferrer');
    const res = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Defer-Length': '1' }) });
    const url = res.headers.get('location')!;
    expect((await patch(url, token, 0, new Uint8Array(700))).status).toBe(204);
    expect(await me(token)).toMatchObject({ reserved_bytes: 700 });
    expect((await patch(url, token, 700, new Uint8Array(400))).status).toBe(413);
    const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
    expect(head.headers.get('upload-offset')).toBe('700');
  });

  it('answers 429 with Retry-After past the per-user rate, without slowing anyone else', async () => {
    const greedy = await stack.token('greedy');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 45; i += 1) {
      const res = await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${greedy}` } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const other = await stack.token('patient');
    expect((await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${other}` } })).status).toBe(200);
  });
});
