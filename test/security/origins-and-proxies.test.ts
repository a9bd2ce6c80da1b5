import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status, tusHeaders, uploadBytes, waitForStatus } from '../support/http.js';
import { rawRequest } from '../support/raw-http.js';
import { PNG } from '../support/samples.js';
import { startStack, type Stack } from '@airlock/testing/stack';
import { tusUpload, uploadIdOf } from '../support/tus.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Headers a client or a proxy in front of us could use to choose the origin of the URLs we build. */
const HOSTILE_ORIGIN = {
  Host: 'evil.example',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Proto': 'https',
  Forwarded: 'host=evil.example;proto=https',
};

/** Issue #12, item 2: no request header chooses the origin of a URL Airlock hands out. */
describe('origins of the URLs Airlock builds', () => {
  describe('without PUBLIC_URL', () => {
    let stack: Stack;
    let token: string;
    beforeAll(async () => {
      stack = await startStack({ env: { PUBLIC_URL: '', ALLOWED_TYPES: 'image/*' } });
      await stack.startWorker('worker');
      token = await stack.token('alice');
    });
    afterAll(() => stack?.stop());

    it('answers a relative Location and upload_url, whatever Host and forwarded headers say', async () => {
      const res = await rawRequest(stack.url, 'POST', '/uploads', tusHeaders(token, { 'Upload-Length': '10', ...HOSTILE_ORIGIN }));
      expect(res.status).toBe(201);
      const body = JSON.parse(res.body) as { upload_id: string; upload_url: string };
      expect(res.headers.location).toBe(`/uploads/${body.upload_id}`);
      expect(body.upload_url).toBe(`/uploads/${body.upload_id}`);
      expect(JSON.stringify(res.headers) + res.body).not.toContain('evil.example');
    });

    it('answers a relative download URL, whatever Host says', async () => {
      const done = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
      await waitForStatus(stack.url, token, done.upload_id, ['complete']);
      const res = await rawRequest(stack.url, 'POST', `/files/${done.file_id}/download-url`, { Authorization: `Bearer ${token}`, ...HOSTILE_ORIGIN });
      expect(res.status).toBe(200);
      const { url } = JSON.parse(res.body) as { url: string };
      expect(url.startsWith('/')).toBe(true);
      expect(url).not.toContain('evil.example');
      const download = await fetch(new URL(url, stack.url));
      expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);
    });

    it('works with tus-js-client, which resolves the relative Location', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-relative-'));
      const file = path.join(dir, 'dot.png');
      fs.writeFileSync(file, PNG);
      try {
        const run = tusUpload(stack.url, token, file, { chunkSize: 40, metadata: { filename: 'dot.png', filetype: 'image/png' } });
        await run.done;
        expect(run.upload.url?.startsWith(`${stack.url}/uploads/`)).toBe(true);
        const id = uploadIdOf(run.upload);
        expect(await status(stack.url, token, id)).toMatchObject({ bytes_received: PNG.length, total_size: PNG.length });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('with PUBLIC_URL', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ env: { PUBLIC_URL: 'https://uploads.example.com' } });
    });
    afterAll(() => stack?.stop());

    it('builds every Location on PUBLIC_URL alone', async () => {
      const res = await rawRequest(stack.url, 'POST', '/uploads', tusHeaders(await stack.token('alice'), { 'Upload-Length': '10', ...HOSTILE_ORIGIN }));
      expect(res.status).toBe(201);
      expect(res.headers.location).toMatch(/^https:\/\/uploads\.example\.com\/uploads\/[0-9a-f]{32}$/);
    });
  });

  describe('TRUST_PROXY', () => {
    /** The admin dashboard's cookie after `?token=`: its Secure flag follows the scheme the client used. */
    const adminCookie = async (stack: Stack, headers: Record<string, string>) => {
      const admin = await stack.token('root', { role: 'admin' });
      const res = await rawRequest(stack.url, 'GET', `/admin/queues?token=${admin}`, headers);
      expect(res.status).toBe(303);
      return String(res.headers['set-cookie']);
    };

    it('is off by default: a forwarded scheme is not believed', async () => {
      const stack = await startStack();
      try {
        expect(await adminCookie(stack, { 'X-Forwarded-Proto': 'https' })).not.toMatch(/;\s*Secure/i);
      } finally {
        await stack.stop();
      }
    });

    it('believes the scheme from a trusted proxy: the admin cookie is Secure', async () => {
      const stack = await startStack({ env: { TRUST_PROXY: 'loopback' } });
      try {
        expect(await adminCookie(stack, { 'X-Forwarded-Proto': 'https' })).toMatch(/;\s*Secure/i);
        expect(await adminCookie(stack, {})).not.toMatch(/;\s*Secure/i);
      } finally {
        await stack.stop();
      }
    });

    it('does not believe a proxy that is not in the list', async () => {
      const stack = await startStack({ env: { TRUST_PROXY: '10.0.0.0/8' } });
      try {
        expect(await adminCookie(stack, { 'X-Forwarded-Proto': 'https' })).not.toMatch(/;\s*Secure/i);
      } finally {
        await stack.stop();
      }
    });

    it('refuses to start with TRUST_PROXY=true, naming the variable', async () => {
      await expect(startStack({ env: { TRUST_PROXY: 'true' } })).rejects.toThrow(/TRUST_PROXY/);
    });
  });
});
