import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const ORIGIN = 'https://app.example';

describe('hardening of the tus endpoint', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, CORS_ORIGINS: ORIGIN, IDLE_TIMEOUT_SECONDS: '2' } });
    token = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  it('answers CORS for the allowed origin only, on errors too, exposing what tus clients read', async () => {
    const preflight = await fetch(`${stack.url}/uploads/abc`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'upload-offset' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Upload-Offset');
    const unauthorised = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: { Origin: ORIGIN, 'Tus-Resumable': '1.0.0' } });
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    const { body } = await createUpload(stack.url, token, 100);
    const url = (body as { upload_url: string }).upload_url;
    const conflict = await patch(url, token, 5, new Uint8Array(5), { Origin: ORIGIN });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const exposed = conflict.headers.get('access-control-expose-headers')!.split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['Upload-Offset', 'Location', 'Upload-Expires', 'Tus-Resumable']));

    const stranger = await fetch(`${stack.url}/uploads`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['a negative Upload-Length', { 'Upload-Length': '-1' }],
    ['a non-numeric Upload-Length', { 'Upload-Length': 'ten' }],
    ['a huge Upload-Length', { 'Upload-Length': '99999999999999999999' }],
    ['a duplicated Upload-Length', { 'Upload-Length': '10, 10' }],
    ['both Upload-Length and Upload-Defer-Length', { 'Upload-Length': '10', 'Upload-Defer-Length': '1' }],
    ['bad base64 metadata', { 'Upload-Length': '10', 'Upload-Metadata': 'filename !!!!' }],
    ['a __proto__ metadata key', { 'Upload-Length': '10', 'Upload-Metadata': `__proto__ ${Buffer.from('{"polluted":1}').toString('base64')}` }],
    ['a duplicated metadata key', { 'Upload-Length': '10', 'Upload-Metadata': 'filename YQ==,filename Yg==' }],
  ])('refuses a POST with %s: 400, nothing created', async (_name, headers) => {
    const before = await (await fetch(`${stack.url}/files`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const res = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, headers) });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const after = await (await fetch(`${stack.url}/files`, { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(after.items).toHaveLength(before.items.length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['no Upload-Offset', {}],
    ['a negative Upload-Offset', { 'Upload-Offset': '-1' }],
    ['a non-numeric Upload-Offset', { 'Upload-Offset': '1e3' }],
  ])('refuses a PATCH with %s: 400, offset unchanged', async (_name, headers) => {
    const { body } = await createUpload(stack.url, token, 100);
    const { upload_url: url, upload_id: id } = body as Record<string, string>;
    const res = await fetch(url!, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/offset+octet-stream', ...headers },
      body: new Uint8Array(10),
    });
    expect(res.status).toBe(400);
    expect(await status(stack.url, token, id!)).toMatchObject({ bytes_received: 0, status: 'pending' });
  });

  it('lets a slow but live PATCH finish, and cuts a stalled one keeping what arrived', async () => {
    const { body } = await createUpload(stack.url, token, 8);
    const slow = (body as { upload_url: string }).upload_url;
    // 8 bytes, one a second for longer than the 2 s idle timeout.
    const slowStatus = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        slow,
        { method: 'PATCH', headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': '8' }) },
        (res) => resolve(res.statusCode!),
      );
      req.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        req.write(Buffer.from('a'));
        if (++sent === 8) {
          clearInterval(timer);
          req.end();
        }
      }, 700);
    });
    expect(slowStatus).toBe(204);

    const { body: other } = await createUpload(stack.url, token, 100);
    const stalled = other as { upload_url: string; upload_id: string };
    const closed = await new Promise<string>((resolve) => {
      const req = http.request(stalled.upload_url, {
        method: 'PATCH',
        headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': '100' }),
      });
      req.on('response', (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (error) => resolve(error.message));
      req.write(Buffer.from('b'.repeat(10)));
      // ...and nothing more.
    });
    expect(closed).toMatch(/socket hang up|ECONNRESET|status/);
    const head = await fetch(stalled.upload_url, { method: 'HEAD', headers: tusHeaders(token) });
    expect(Number(head.headers.get('upload-offset'))).toBe(10);
  });
});

describe('two API processes sharing Redis and the database', () => {
  let stack: Stack;
  let token: string;
  let second: string;

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    second = (await stack.startApi()).url;
    token = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  it('accepts an upload whose chunks alternate between the two', async () => {
    const bytes = Buffer.from(Array.from({ length: 4 * 1024 }, (_, i) => i % 251));
    const { body } = await createUpload(stack.url, token, bytes.length);
    const { upload_id: id } = body as Record<string, string>;
    for (let i = 0; i < 4; i += 1) {
      const base = i % 2 === 0 ? stack.url : second;
      const res = await patch(`${base}/uploads/${id}`, token, i * 1024, bytes.subarray(i * 1024, (i + 1) * 1024));
      expect(res.status).toBe(204);
    }
    expect(await status(second, token, id!)).toMatchObject({ status: 'assembling', bytes_received: bytes.length });
  });

  it('keeps one upload consistent when both get a PATCH at the same offset at once', async () => {
    const size = 4 * 1024 * 1024;
    const { body } = await createUpload(stack.url, token, size);
    const { upload_id: id } = body as Record<string, string>;
    const a = Buffer.alloc(size, 0x61);
    const b = Buffer.alloc(size, 0x62);
    const results = await Promise.all([patch(`${stack.url}/uploads/${id}`, token, 0, a), patch(`${second}/uploads/${id}`, token, 0, b)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toContain(204);
    for (const code of statuses) expect([204, 409, 423]).toContain(code);
    const head = await fetch(`${stack.url}/uploads/${id}`, { method: 'HEAD', headers: tusHeaders(token) });
    const offset = Number(head.headers.get('upload-offset'));
    const recorded = (await status(stack.url, token, id!)).bytes_received as number;
    expect(recorded).toBe(offset);
    // The bytes on disk are one client's bytes, never an interleaving of both.
    const fs = await import('node:fs');
    const stored = fs.readFileSync(`${stack.dataDir}/quarantine/${id}`);
    expect(stored.length).toBe(offset);
    expect(stored.equals(a.subarray(0, offset)) || stored.equals(b.subarray(0, offset))).toBe(true);
  });
});
