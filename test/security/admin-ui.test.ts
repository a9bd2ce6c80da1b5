import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { useStack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';
import { launchChromium } from '../web/browser.js';

/**
 * #19 item 5: the queue dashboard answers with this origin's security headers, nothing says
 * X-Powered-By, and an admin write authenticated by the browser's cookie must come from this
 * origin.
 */
describe('admin UI hardening', () => {
  // info: request lines (with their status) are logged, so the browser test can see the 403.
  const stack = useStack({ env: { LOG_LEVEL: 'info' } });
  let admin: string;
  let user: string;
  const QUEUE = 'airlock-janitor';
  beforeAll(async () => {
    admin = await stack.token('root', { role: 'admin' });
    user = await stack.token('alice');
  });

  const request = (path: string, init: RequestInit = {}) => fetch(`${stack.url}${path}`, { redirect: 'manual', ...init });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const cookie = () => ({ Cookie: `airlock_admin_token=${admin}` });
  const paused = async () => {
    const res = await request('/admin/queues/api/queues', { headers: bearer(admin) });
    const { queues } = (await res.json()) as { queues: { name: string; isPaused: boolean }[] };
    return queues.find((queue) => queue.name === QUEUE)!.isPaused;
  };
  const pause = (action: 'pause' | 'resume', headers: Record<string, string>) =>
    request(`/admin/queues/api/queues/${QUEUE}/${action}`, { method: 'PUT', headers });

  function expectSecurityHeaders(res: Response, what: string) {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("default-src 'none'");
    expect(csp, what).toContain("script-src 'self'");
    expect(csp, what).not.toMatch(/script-src[^;]*('unsafe-inline'|'unsafe-eval'|\*)/);
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('x-frame-options'), what).toBe('DENY');
    expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
  }

  it('sends the security headers on every admin answer: the page, its assets, its API, 401, 403 and 404', async () => {
    const page = await request('/admin/queues', { headers: bearer(admin) });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page, 'page');
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');

    // Everything the page loads is on this origin under the dashboard's path (what 'self'
    // allows), except the Google Fonts stylesheet, which the CSP refuses on purpose.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!).filter((ref) => ref !== '/admin/queues/');
    const external = assets.filter((ref) => /^https?:/.test(ref));
    expect(external.every((ref) => ref.startsWith('https://fonts.googleapis.com/'))).toBe(true);
    const scripts = assets.filter((ref) => ref.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const ref of assets.filter((ref) => !/^https?:/.test(ref))) {
      const asset = await request(`/admin/queues/${ref}`, { headers: bearer(admin) });
      expect(asset.status, ref).toBe(200);
      expectSecurityHeaders(asset, ref);
    }
    // The page has no inline script to execute: only the UI's JSON config block.
    expect([...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((match) => match[1])).toEqual([' id="__UI_CONFIG__" type="application/json"']);

    expectSecurityHeaders(await request('/admin/queues/api/queues', { headers: bearer(admin) }), 'api');
    expectSecurityHeaders(await request('/admin/queues'), '401');
    expectSecurityHeaders(await request('/admin/queues', { headers: bearer(user) }), '403');
    const missing = await request('/admin/queues/static/no-such-file.js', { headers: bearer(admin) });
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing, '404');
  });

  it('never says X-Powered-By: API routes, 404s, the tus endpoint, the web dashboard and bull-board’s own app', async () => {
    const probes: [string, RequestInit][] = [
      ['/healthz', {}],
      ['/openapi.json', {}],
      ['/no-such-endpoint', {}],
      ['/files', {}],
      ['/files', { headers: bearer(user) }],
      ['/files/nope', { headers: bearer(user) }],
      ['/uploads', { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } }],
      ['/uploads/nope', { method: 'HEAD', headers: { ...bearer(user), 'Tus-Resumable': '1.0.0' } }],
      ['/', {}],
      ['/admin/queues', {}],
      ['/admin/queues', { headers: bearer(admin) }],
      ['/admin/queues/queue/airlock-janitor', { headers: bearer(admin) }],
      ['/admin/queues/api/queues', { headers: bearer(admin) }],
      ['/admin/queues/api/queues/no-such-queue/pause', { method: 'PUT', headers: bearer(admin) }],
      ['/admin/queues/static/no-such-file.js', { headers: bearer(admin) }],
      [`/admin/queues?token=${admin}`, {}],
    ];
    for (const [path, init] of probes) {
      const res = await request(path, init);
      expect(res.headers.get('x-powered-by'), `${init.method ?? 'GET'} ${path} → ${res.status}`).toBeNull();
    }
  });

  it('refuses cookie-authenticated admin writes from another origin, or without a same-origin proof', async () => {
    expect(await paused()).toBe(false);
    const refused: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      {},
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
      // A sibling subdomain is the same *site*: SameSite=Strict lets the cookie through, this does not.
      { 'Sec-Fetch-Site': 'same-site', Origin: stack.url.replace('127.0.0.1', 'localhost') },
      { 'Sec-Fetch-Site': 'cross-site', Origin: stack.url },
    ];
    for (const headers of refused) {
      const res = await pause('pause', { ...cookie(), ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    // ?token= authenticates like the cookie: the browser sends it by itself from a link.
    expect(
      (await request(`/admin/queues/api/queues/${QUEUE}/pause?token=${admin}`, { method: 'PUT', headers: { Origin: 'https://evil.example' } })).status,
    ).toBe(403);
    expect(await paused()).toBe(false);
    // Reading is not a write: a cross-site GET cannot read the answer anyway (no CORS here).
    expect((await request('/admin/queues/api/queues', { headers: { ...cookie(), Origin: 'https://evil.example' } })).status).toBe(200);
  });

  it('accepts the same writes from this origin (Origin or Sec-Fetch-Site), and bearer-token writes from anywhere', async () => {
    expect((await pause('pause', { ...cookie(), Origin: stack.url })).status).toBe(200);
    expect(await paused()).toBe(true);
    expect((await pause('resume', { ...cookie(), 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    expect(await paused()).toBe(false);
    // A bearer header is never attached by a browser on its own: not a CSRF vector.
    expect((await pause('pause', { ...bearer(admin), Origin: 'https://evil.example' })).status).toBe(200);
    expect(await paused()).toBe(true);
    expect((await pause('resume', bearer(admin))).status).toBe(200);
  });

  it('in a real browser: the dashboard renders under its CSP and writes from it; a page of a sibling origin cannot write', async () => {
    const browser = await launchChromium();
    // Another origin of the same site (same host, another port): SameSite=Strict still sends the cookie.
    const sibling = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(
        `<script>fetch(${JSON.stringify(`${stack.url}/admin/queues/api/metrics/history/purge`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' }).finally(() => { document.title = 'sent'; });</script>`,
      );
    });
    await new Promise<void>((resolve) => sibling.listen(0, '127.0.0.1', resolve));
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
      await page.goto(`${stack.url}/admin/queues?token=${admin}`);
      expect(page.url()).toBe(`${stack.url}/admin/queues`);
      // bull-board's React UI ran: every queue is listed.
      for (const role of ['validator', 'scanner', 'promoter', 'janitor', 'notifier']) await page.getByText(`airlock-${role}`).first().waitFor();
      // The only thing the CSP refuses is the Google Fonts stylesheet, on purpose.
      expect(violations.filter((text) => !text.includes('https://fonts.googleapis.com/'))).toEqual([]);

      // A write the way the UI makes it (same-origin fetch with the cookie) goes through.
      const status = await page.evaluate(async (queue) => (await fetch(`api/queues/${queue}/pause`, { method: 'PUT' })).status, QUEUE);
      expect(status).toBe(200);
      expect(await paused()).toBe(true);
      expect((await pause('resume', bearer(admin))).status).toBe(200);

      // The sibling origin's page fires a cookie-carrying POST: refused.
      const other = await context.newPage();
      await other.goto(`http://127.0.0.1:${(sibling.address() as AddressInfo).port}/`);
      await waitFor(
        () => other.title(),
        (title) => title === 'sent',
        { what: 'the cross-origin request' },
      );
      const logged = await waitFor(
        async () =>
          stack.api
            .output()
            .split('\n')
            .filter((line) => line.includes('/admin/queues/api/metrics/history/purge') && line.includes('statusCode')),
        (lines) => lines.length > 0,
        { what: 'the request log line of the cross-origin POST' },
      );
      expect(JSON.parse(logged[0]!)).toMatchObject({ res: { statusCode: 403 } });
    } finally {
      await browser.close();
      await new Promise((resolve) => sibling.close(resolve));
    }
  });
});
