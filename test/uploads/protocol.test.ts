import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '@airlock/testing';
import { createUpload, patch, status, tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const MAX = 1024 * 1024;

describe.each(PROVIDERS)('tus endpoint on %s', (provider) => {
  let stack: Stack;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    stack = await startStack({ provider, env: { MAX_UPLOAD_SIZE: String(MAX), CHUNK_SIZE: String(256 * 1024), ALLOWED_TYPES: OCTETS } });
    alice = await stack.token('alice');
    bob = await stack.token('bob');
  });
  afterAll(() => stack?.stop());

  it('answers OPTIONS without a token', async () => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(res.headers.get('tus-max-size')).toBe(String(MAX));
  });

  it('requires a valid token', async () => {
    const none = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(undefined, { 'Upload-Length': '10' }) });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const forged = await fetch(`${stack.url}/uploads`, {
      method: 'POST',
      headers: tusHeaders(`${alice.slice(0, -4)}AAAA`, { 'Upload-Length': '10' }),
    });
    expect(forged.status).toBe(401);
  });

  it('follows pending → uploading → assembling with the contract JSON', async () => {
    const { res, body } = await createUpload(stack.url, alice, 1000, {
      'Upload-Metadata': `filename ${Buffer.from('a.txt').toString('base64')}`,
    });
    expect(res.status).toBe(201);
    const created = body as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(['chunk_size', 'expires_at', 'file_id', 'upload_id', 'upload_url']);
    expect(res.headers.get('location')).toBe(created.upload_url);
    expect(res.headers.get('upload-expires')).toBe(new Date(created.expires_at!).toUTCString());
    expect(created.chunk_size).toBe(256 * 1024);

    const id = created.upload_id!;
    expect(await status(stack.url, alice, id)).toMatchObject({ status: 'pending', bytes_received: 0, total_size: 1000 });

    const first = await patch(created.upload_url!, alice, 0, new Uint8Array(400));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('400');
    expect(first.headers.get('upload-expires')).toBeTruthy();
    expect(await status(stack.url, alice, id)).toMatchObject({ status: 'uploading', bytes_received: 400 });

    const head = await fetch(created.upload_url!, { method: 'HEAD', headers: tusHeaders(alice) });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('400');
    expect(head.headers.get('upload-length')).toBe('1000');
    expect(head.headers.get('cache-control')).toBe('no-store');

    const last = await patch(created.upload_url!, alice, 400, new Uint8Array(600));
    expect(last.status).toBe(204);
    const done = await status(stack.url, alice, id);
    expect(done).toMatchObject({ status: 'assembling', bytes_received: 1000, failure_reason: null });
  });

  it('answers a wrong offset with 409 carrying the server offset, and keeps nothing', async () => {
    const { body } = await createUpload(stack.url, alice, 1000);
    const url = (body as Record<string, string>).upload_url!;
    await patch(url, alice, 0, new Uint8Array(100));
    const conflict = await patch(url, alice, 50, new Uint8Array(100));
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('upload-offset')).toBe('100');
    const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(alice) });
    expect(head.headers.get('upload-offset')).toBe('100');
  });

  it("hides another user's upload behind 404 on every method", async () => {
    const { body } = await createUpload(stack.url, alice, 100);
    const { upload_url: url, upload_id: id } = body as Record<string, string>;
    const asBob = tusHeaders(bob);
    expect((await fetch(url!, { method: 'HEAD', headers: asBob })).status).toBe(404);
    expect((await patch(url!, bob, 0, new Uint8Array(10))).status).toBe(404);
    expect((await fetch(url!, { method: 'DELETE', headers: asBob })).status).toBe(404);
    expect((await fetch(`${stack.url}/uploads/${id}`, { headers: asBob })).status).toBe(404);
    // Nothing moved.
    expect(await status(stack.url, alice, id!)).toMatchObject({ status: 'pending', bytes_received: 0 });
    const admin = await stack.token('root', { role: 'admin' });
    expect((await fetch(`${stack.url}/uploads/${id}`, { headers: tusHeaders(admin) })).status).toBe(200);
  });

  it('answers 404 for malformed ids before touching anything', async () => {
    // (A bare `%2e%2e` segment is resolved as `..` by fetch itself, before it is sent.)
    for (const id of ['..%2F..%2Fetc%2Fpasswd', 'x%2e%2e', 'abc', `${'a'.repeat(31)}G`, '%00']) {
      const res = await fetch(`${stack.url}/uploads/${id}`, { method: 'HEAD', headers: tusHeaders(alice) });
      expect(res.status, id).toBe(404);
    }
  });

  it('refuses uploads above MAX_UPLOAD_SIZE with 413 at POST and at PATCH', async () => {
    const { res } = await createUpload(stack.url, alice, MAX + 1);
    expect(res.status).toBe(413);

    const deferred = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(alice, { 'Upload-Defer-Length': '1' }) });
    expect(deferred.status).toBe(201);
    const url = deferred.headers.get('location')!;
    const tooMuch = await patch(url, alice, 0, new Uint8Array(MAX + 1));
    expect(tooMuch.status).toBe(413);
    const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(alice) });
    expect(Number(head.headers.get('upload-offset'))).toBeLessThanOrEqual(MAX);

    const { body } = await createUpload(stack.url, alice, 100);
    const pastLength = await patch((body as Record<string, string>).upload_url!, alice, 0, new Uint8Array(101));
    expect(pastLength.status).toBe(413);
  });

  it('terminates with DELETE: failed/terminated, then 410', async () => {
    const { body } = await createUpload(stack.url, alice, 100);
    const { upload_url: url, upload_id: id } = body as Record<string, string>;
    await patch(url!, alice, 0, new Uint8Array(10));
    expect((await fetch(url!, { method: 'DELETE', headers: tusHeaders(alice) })).status).toBe(204);
    expect(await status(stack.url, alice, id!)).toMatchObject({ status: 'failed', failure_reason: 'terminated' });
    expect((await fetch(url!, { method: 'HEAD', headers: tusHeaders(alice) })).status).toBe(410);
    expect((await patch(url!, alice, 10, new Uint8Array(10))).status).toBe(410);
  });

  it('rejects malformed metadata with 400 and creates nothing', async () => {
    const bad = await fetch(`${stack.url}/uploads`, {
      method: 'POST',
      headers: tusHeaders(alice, { 'Upload-Length': '10', 'Upload-Metadata': `sha256 ${Buffer.from('nothex').toString('base64')}` }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
  });
});
