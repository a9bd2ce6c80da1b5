import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenVerifier } from '../auth/tokens.js';
import { notFound } from '../http/errors.js';
import { DASHBOARD_CSP, webRoutes } from './web.routes.js';

/** The API's JSON error answer. */
type ErrorBody = { error: { code: string; message: string } };

const HTML = '<!doctype html><html><head><title>t</title></head><body></body></html>';

function fakeTokens(devSecret: boolean): TokenVerifier {
  return { devSecret, sign: async (user) => `token-for-${user}`, verify: async () => ({ userId: 'x', isAdmin: false }) };
}

/** One app per case: the dashboard router then the API's 404, as createApp mounts them. */
async function serve(options: { root: string; devSecret?: boolean; production?: boolean }) {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const app = express();
  app.use(webRoutes({ config: { production: options.production ?? false }, tokens: fakeTokens(options.devSecret ?? false), logger, webRoot: options.root }));
  app.use(notFound);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return { base: `http://127.0.0.1:${port}`, port, lines, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A GET with headers fetch() will not let us set (Host). */
function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

describe('the web dashboard route', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-web-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), HTML);
    fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('serves the page with a strict CSP, nosniff and no caching', async () => {
    const web = await serve({ root });
    try {
      const res = await fetch(`${web.base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect(DASHBOARD_CSP).toContain("script-src 'self'");
      expect(DASHBOARD_CSP).toContain("connect-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toBe(HTML);
      const asset = await fetch(`${web.base}/assets/index-abc123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect(asset.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      // Anything else, and any other method, goes on to the API's 404.
      expect((await fetch(`${web.base}/nope.js`)).status).toBe(404);
      const post = await fetch(`${web.base}/`, { method: 'POST' });
      expect(post.status).toBe(404);
      expect(((await post.json()) as ErrorBody).error.message).toBe('no such endpoint');
      expect(web.lines).toEqual([]);
    } finally {
      await web.close();
    }
  });

  it('without a build: the API runs, / answers a JSON 404 that says so, and a log line says so', async () => {
    const web = await serve({ root: path.join(root, 'missing') });
    try {
      const res = await fetch(`${web.base}/`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toEqual({ code: 'not_found', message: expect.stringContaining('web dashboard is not built') });
      expect(web.lines.join('')).toContain('web dashboard not built');
    } finally {
      await web.close();
    }
  });

  it('hands the dev token only to a local navigation, and only with a generated secret', async () => {
    const dev = await serve({ root, devSecret: true });
    const prod = await serve({ root, devSecret: false });
    const meta = '<meta name="airlock-dev-token" content="token-for-dev">';
    try {
      expect((await get(dev.port, '/', { 'Sec-Fetch-Mode': 'navigate' })).body).toContain(meta);
      expect((await get(dev.port, '/', { Host: `localhost:${dev.port}` })).body).toContain(meta);
      // Another site's script (fetch mode cors), a rebound DNS name, a configured secret: nothing.
      expect((await get(dev.port, '/', { 'Sec-Fetch-Mode': 'cors' })).body).toBe(HTML);
      expect((await get(dev.port, '/', { Host: `evil.example:${dev.port}` })).body).toBe(HTML);
      expect((await get(prod.port, '/', { 'Sec-Fetch-Mode': 'navigate' })).body).toBe(HTML);
    } finally {
      await dev.close();
      await prod.close();
    }
  });

  // An nginx on this machine: loopback peer, and (proxy_pass http://127.0.0.1:8080) a loopback Host.
  it.each([
    ['X-Forwarded-For', '203.0.113.9'],
    ['X-Forwarded-Host', 'uploads.example'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Real-IP', '203.0.113.9'],
    ['Forwarded', 'for=203.0.113.9;proto=https'],
    ['Via', '1.1 nginx'],
  ])('never hands the dev token to a request that came through a proxy (%s)', async (name, value) => {
    const dev = await serve({ root, devSecret: true });
    try {
      expect((await get(dev.port, '/', { Host: `127.0.0.1:${dev.port}`, [name]: value })).body).toBe(HTML);
    } finally {
      await dev.close();
    }
  });

  it('never hands the dev token out in production, even with a generated secret', async () => {
    const web = await serve({ root, devSecret: true, production: true });
    try {
      expect((await get(web.port, '/', { 'Sec-Fetch-Mode': 'navigate' })).body).toBe(HTML);
    } finally {
      await web.close();
    }
  });
});
