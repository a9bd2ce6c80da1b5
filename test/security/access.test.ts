import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, tusHeaders, uploadBytes, waitForStatus } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { JWT_SECRET, OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('who may do what', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  let upload: { upload_id: string; upload_url: string; file_id: string };
  let done: { upload_id: string; file_id: string };

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, AUTH_JWT_AUDIENCE: 'airlock', AUTH_JWT_ISSUER: 'https://idp.example' } });
    await stack.startWorker('worker');
    const sign = (sub: string, claims: Record<string, unknown> = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setAudience('airlock')
        .setIssuer('https://idp.example')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(JWT_SECRET));
    alice = await sign('alice');
    bob = await sign('bob');
    upload = (await createUpload(stack.url, alice, 100)).body as typeof upload;
    done = await uploadBytes(stack.url, alice, PNG, { filename: 'dot.png' });
    await waitForStatus(stack.url, alice, done.upload_id, ['complete']);
  });
  afterAll(() => stack?.stop());

  /** Every endpoint that needs a token, for a given upload and file. */
  const endpoints = (): Array<[string, string, Record<string, string>?, Uint8Array<ArrayBuffer>?]> => [
    ['POST', '/uploads', { 'Upload-Length': '10' }],
    ['HEAD', `/uploads/${upload.upload_id}`],
    ['PATCH', `/uploads/${upload.upload_id}`, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }, new Uint8Array(10)],
    ['DELETE', `/uploads/${upload.upload_id}`],
    ['GET', `/uploads/${upload.upload_id}`],
    ['GET', '/files'],
    ['GET', `/files/${done.file_id}`],
    ['POST', `/files/${done.file_id}/download-url`],
    ['DELETE', `/files/${done.file_id}`],
    ['GET', '/me'],
  ];

  const call = (method: string, path: string, token: string | undefined, headers: Record<string, string> = {}, body?: Uint8Array<ArrayBuffer>) =>
    fetch(`${stack.url}${path}`, { method, headers: tusHeaders(token, headers), ...(body ? { body } : {}) });

  it('answers 401 to every endpoint without a token, and changes nothing', async () => {
    for (const [method, path, headers, body] of endpoints()) {
      expect((await call(method, path, undefined, headers, body)).status, `${method} ${path}`).toBe(401);
    }
    expect(await status(stack.url, alice, upload.upload_id)).toMatchObject({ status: 'pending', bytes_received: 0 });
  });

  it.each([
    ['alg: none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', aud: 'airlock', iss: 'https://idp.example', exp: 9e9 })}.`],
    [
      'a wrong key',
      async () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .setAudience('airlock')
          .setIssuer('https://idp.example')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('x'.repeat(48))),
    ],
    [
      'an expired token',
      async () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .setAudience('airlock')
          .setIssuer('https://idp.example')
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(new TextEncoder().encode(JWT_SECRET)),
    ],
    [
      'a wrong audience',
      async () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .setAudience('other')
          .setIssuer('https://idp.example')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(JWT_SECRET)),
    ],
    [
      'a wrong issuer',
      async () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .setAudience('airlock')
          .setIssuer('https://evil.example')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(JWT_SECRET)),
    ],
    [
      'no subject',
      async () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setAudience('airlock')
          .setIssuer('https://idp.example')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(JWT_SECRET)),
    ],
  ])('refuses %s with 401', async (_name, make) => {
    const token = await make();
    for (const [method, path, headers, body] of endpoints()) {
      expect((await call(method, path, token, headers, body)).status, `${method} ${path}`).toBe(401);
    }
  });

  it("answers 404 to every endpoint that names another user's upload or file, and changes nothing", async () => {
    for (const [method, path, headers, body] of endpoints().filter(([, path]) => path.includes(upload.upload_id) || path.includes(done.file_id))) {
      expect((await call(method, path, bob, headers, body)).status, `${method} ${path}`).toBe(404);
    }
    expect(await status(stack.url, alice, upload.upload_id)).toMatchObject({ status: 'pending', bytes_received: 0 });
    expect(await status(stack.url, alice, done.upload_id)).toMatchObject({ status: 'complete' });
    const files = await (await call('GET', '/files', bob)).json();
    expect(files.items).toEqual([]);
  });

  it('honours X-HTTP-Method-Override for every method of the tus endpoint, with the same checks', async () => {
    const override = (token: string | undefined, method: string, headers: Record<string, string> = {}) =>
      fetch(upload.upload_url, { method: 'POST', headers: tusHeaders(token, { 'X-HTTP-Method-Override': method, ...headers }) });
    expect((await override(undefined, 'DELETE')).status).toBe(401);
    expect((await override(bob, 'DELETE')).status).toBe(404);
    expect((await override(bob, 'GET')).status).toBe(404);
    expect((await override(bob, 'HEAD')).status).toBe(404);
    // tus: the override MUST be used as the method, whatever it is; one the endpoint does not know is not found.
    expect((await override(alice, 'GET')).status).toBe(200);
    expect((await override(alice, 'PUT')).status).toBe(404);
    expect(await status(stack.url, alice, upload.upload_id)).toMatchObject({ status: 'pending' });
    const patched = await fetch(upload.upload_url, {
      method: 'POST',
      headers: tusHeaders(alice, { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
      body: new Uint8Array(10),
    });
    expect(patched.status).toBe(204);
    expect(await status(stack.url, alice, upload.upload_id)).toMatchObject({ bytes_received: 10 });
  });

  it.each([
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%5c..%5cwindows',
    '%00',
    `${'a'.repeat(32)}%00`,
    '%C0%AE%C0%AE',
    '%FF%FE',
    'A'.repeat(32),
  ])('answers 404 on every method for the upload id %s', async (id) => {
    for (const method of ['HEAD', 'PATCH', 'DELETE', 'GET']) {
      const res = await fetch(`${stack.url}/uploads/${id}`, {
        method,
        headers: tusHeaders(alice, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
        ...(method === 'PATCH' ? { body: new Uint8Array(1) } : {}),
      });
      expect(res.status, `${method} ${id}`).toBe(404);
    }
    expect((await fetch(`${stack.url}/files/${id}`, { headers: tusHeaders(alice) })).status).toBe(404);
  });

  it('keeps an uploaded page from being served as one: disguised HTML and SVG are rejected', async () => {
    const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const imagesOnly = await startStack({ env: { ALLOWED_TYPES: 'image/png,image/jpeg' } });
    try {
      const token = await imagesOnly.token('carol');
      for (const [bytes, name] of [
        [html, 'cat.png'],
        [svg, 'logo.png'],
      ] as const) {
        const { body } = await createUpload(imagesOnly.url, token, bytes.length, {
          'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')},filetype ${Buffer.from('image/png').toString('base64')}`,
        });
        const res = await patch((body as { upload_url: string }).upload_url, token, 0, new Uint8Array(bytes));
        expect(res.status, name).toBe(415);
      }
    } finally {
      await imagesOnly.stop();
    }
  });
});
