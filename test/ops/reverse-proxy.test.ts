import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../support/files.js';
import { scrape } from '../support/metrics.js';
import { httpsDigest, httpsRequest, nginxInstalled, selfSignedCertificate, startNginx, type Nginx } from '../support/nginx.js';
import { rawRequest } from '../support/raw-http.js';
import { OCTETS, freePort, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';
import { launchChromium } from '../web/browser.js';
import { DashboardPage } from '../web/dashboard.page.js';

const MiB = 1024 * 1024;
/** The upload of the resume test, cut by its client after 8 MiB. */
const RESUMED = 64 * MiB;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Debian's nginx with TLS (a certificate made here), running the shipped
 * docker/nginx/airlock.conf.template, in front of two API processes on one PostgreSQL database
 * and one DATA_DIR, both told PUBLIC_URL = the proxy's origin and TRUST_PROXY = loopback, as
 * docs/OPERATIONS.md says. The APIs run in development mode (generated JWT secret): the page
 * they serve directly to this machine carries a development token, and through the proxy it
 * must not.
 */
describe('behind nginx with TLS, two APIs (docker/nginx/airlock.conf.template)', { timeout: 180_000 }, () => {
  let dir: string;
  let stack: Stack;
  let second: { url: string };
  let nginx: Nginx;
  let ca: Buffer;
  let origin: string;
  let browser: Browser | undefined;

  /** Signed with the secret the APIs generated into the shared DATA_DIR. */
  const token = (user: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(fs.readFileSync(path.join(stack.dataDir, 'secrets/jwt-secret'), 'utf8').trim()));
  const viaProxy = async (method: string, pathname: string, user: string, body?: unknown) => {
    const res = await httpsRequest(`${origin}${pathname}`, ca, {
      method,
      headers: { Authorization: `Bearer ${await token(user)}`, 'Tus-Resumable': '1.0.0', ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? Buffer.from(JSON.stringify(body)) : undefined,
    });
    return { ...res, json: () => JSON.parse(res.body.toString('utf8')) as Record<string, unknown> };
  };
  const statusOf = async (uploadId: string, user: string) =>
    waitFor(
      () => viaProxy('GET', `/uploads/${uploadId}`, user).then((r) => r.json()),
      (b) => TERMINAL.includes(b.status as string),
      { what: 'a terminal status', timeoutMs: 90_000 },
    );
  /** tus-js-client over HTTPS, trusting only the test's certificate. */
  const tusThroughProxy = (file: string, user: string, authorization: string, options: Partial<tus.UploadOptions>) => {
    let upload!: tus.Upload;
    const done = new Promise<void>((resolve, reject) => {
      upload = new tus.Upload(fs.createReadStream(file), {
        endpoint: `${origin}/uploads`,
        headers: { Authorization: `Bearer ${authorization}` },
        httpStack: new tus.DefaultHttpStack({ ca }), // https.request options (node)
        retryDelays: [],
        metadata: { filename: `${user}.bin`, filetype: 'application/octet-stream' },
        storeFingerprintForResuming: false,
        ...options,
        onSuccess: () => resolve(),
        onError: reject,
      });
    });
    upload.start();
    return { upload, done };
  };

  it('can run here: nginx and openssl are installed', () => {
    expect(nginxInstalled(), 'nginx is missing: apt-get install -y --no-install-recommends nginx-light (npm test does)').toBe(true);
  });

  beforeAll(async () => {
    if (!nginxInstalled()) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-proxy-'));
    const tls = selfSignedCertificate(dir);
    ca = tls.ca;
    const port = await freePort();
    origin = `https://localhost:${port}`;
    const env = { PUBLIC_URL: origin, TRUST_PROXY: 'loopback', AUTH_JWT_SECRET: '', ALLOWED_TYPES: `${OCTETS},text/*` };
    stack = await startStack({ provider: 'postgresql', env });
    second = await stack.startApi(env);
    await stack.startWorker('worker');
    nginx = await startNginx(dir, { port, upstreams: [new URL(stack.url).host, new URL(second.url).host], cert: tls.cert, key: tls.key, ca });
  });
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tus-js-client: a 48 MiB chunk in one PATCH passes, Location and the download URL are https on the proxy, the bytes come back', async () => {
    const source = await randomFile(dir, 48 * MiB, 'large.bin');
    const user = 'tina';
    const run = tusThroughProxy(source.path, user, await token(user), {});
    await run.done;
    expect(run.upload.url).toMatch(new RegExp(`^${origin}/uploads/[\\w-]+$`));
    const uploadId = run.upload.url!.split('/').pop()!;
    const final = await statusOf(uploadId, user);
    expect(final).toMatchObject({ status: 'complete', bytes_received: 48 * MiB });

    const link = (await viaProxy('POST', `/files/${final.file_id as string}/download-url`, user, {})).json();
    expect(link.url).toMatch(new RegExp(`^${origin}/downloads/`));
    const download = await httpsDigest(link.url as string, ca);
    expect(download).toMatchObject({ status: 200, bytes: 48 * MiB, sha256: source.sha256 });
    expect(download.headers['content-length']).toBe(String(48 * MiB));
  });

  it('an upload cut mid-PATCH resumes where the API says and completes (counters sum across the APIs)', async () => {
    const before = await Promise.all([stack.url, second.url].map((url) => scrape(url)));
    // Large beside the 8 MiB at which the client cuts its PATCH: with a smaller file the socket and
    // proxy buffers could already hold all of it when the cut comes (seen with 24 MiB: all kept).
    const source = await randomFile(dir, RESUMED, 'resumed.bin');
    const user = 'rosa';
    const authorization = await token(user);
    // One PATCH for the whole file, cut by the client once a third of it went out.
    const first = tusThroughProxy(source.path, user, authorization, {
      onProgress: (sent) => {
        if (sent >= 8 * MiB) void first.upload.abort();
      },
    });
    await waitFor(
      async () => first.upload.url,
      (url) => url !== null,
      { what: 'the upload to be created' },
    );
    const url = first.upload.url!;
    expect(url.startsWith(`${origin}/uploads/`)).toBe(true);
    // What the API kept of the cut PATCH (it commits what arrived once the lock is let go).
    const head = await waitFor(
      () => httpsRequest(url, ca, { method: 'HEAD', headers: { Authorization: `Bearer ${authorization}`, 'Tus-Resumable': '1.0.0' } }),
      (res) => Number(res.headers['upload-offset']) > 0,
      { what: 'bytes of the cut PATCH to be kept' },
    );
    const kept = Number(head.headers['upload-offset']);
    expect(kept).toBeLessThan(RESUMED);

    // A new client resumes from the URL: HEAD, then PATCHes from the kept offset, in 8 MiB chunks
    // (round robin: they may land on either API, which share the database, Redis and DATA_DIR).
    const chunks: { size: number; accepted: number }[] = [];
    const resumed = tusThroughProxy(source.path, user, authorization, {
      uploadUrl: url,
      chunkSize: 8 * MiB,
      onChunkComplete: (size, accepted) => chunks.push({ size, accepted }),
    });
    await resumed.done;
    // It continued from what the API kept (the cut PATCH may have landed a little more after our HEAD), not from 0.
    const resumedAt = chunks[0]!.accepted - chunks[0]!.size;
    expect(resumedAt).toBeGreaterThanOrEqual(kept);
    expect(chunks.at(-1)!.accepted).toBe(RESUMED);
    const final = await statusOf(url.split('/').pop()!, user);
    expect(final.status).toBe('complete');
    const link = (await viaProxy('POST', `/files/${final.file_id as string}/download-url`, user, {})).json();
    expect((await httpsDigest(link.url as string, ca)).sha256).toBe(source.sha256);

    // N API processes: each exports its own counts, and their sum is the service's.
    const after = await Promise.all([stack.url, second.url].map((u) => scrape(u)));
    const PATCHES = 'airlock_http_request_duration_seconds_count{method="PATCH",route="/uploads/:id",status="204"}';
    const grew = (series: string) => after.map((s, i) => s.value(series) - before[i]!.value(series));
    expect(grew('airlock_uploads_created_total').reduce((a, b) => a + b)).toBe(1);
    expect(grew('airlock_uploads_finished_total').reduce((a, b) => a + b)).toBe(1);
    expect(grew('airlock_bytes_received_total').reduce((a, b) => a + b)).toBe(RESUMED);
    // Every PATCH of the resumed client answered 204 on one API or the other (which one is
    // nginx's round robin: when little was left, a single PATCH lands on one API only).
    expect(
      grew(PATCHES).reduce((a, b) => a + b),
      `PATCHes 204 per API: ${JSON.stringify(grew(PATCHES))}`,
    ).toBe(chunks.length);
  });

  it('never offers a development token through the proxy; /metrics is not public there', async () => {
    // Control: the same API, opened directly on this machine, does offer one (development mode).
    expect((await rawRequest(stack.url, 'GET', '/', { 'Sec-Fetch-Mode': 'navigate' })).body).toContain('airlock-dev-token');
    for (let i = 0; i < 4; i += 1) {
      // Both upstreams, whichever answers.
      const page = await httpsRequest(`${origin}/`, ca, { headers: { 'Sec-Fetch-Mode': 'navigate' } });
      expect(page.status).toBe(200);
      expect(page.body.toString('utf8')).not.toContain('airlock-dev-token');
    }
    expect((await httpsRequest(`${origin}/metrics`, ca)).status).toBe(404);
  });

  it('the dashboard in Chromium uploads through the proxy: every tus request on its https origin, no development token', async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const dashboard = await DashboardPage.open(context, `${origin}/`);
    expect(await dashboard.page.locator('meta[name="airlock-dev-token"]').count()).toBe(0);
    const user = 'dora';
    await dashboard.signIn(await token(user), user);
    const text = Buffer.from(
      randomBytes(6 * MiB)
        .toString('hex')
        .replace(/(.{99})./g, '$1\n'),
    );
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, text);
    await dashboard.addFiles([file]);
    await dashboard.startUpload();
    await dashboard.waitForUppyComplete(90_000);
    await dashboard.waitForStatuses({ 'notes.txt': 'complete' }, 90_000);
    expect(dashboard.tusRequests.length).toBeGreaterThanOrEqual(3); // POST + two 8 MiB PATCHes
    for (const req of dashboard.tusRequests) expect(req.url.startsWith(`${origin}/uploads`), req.url).toBe(true);
    expect(dashboard.tusRequests.filter((req) => req.method === 'PATCH').every((req) => req.outcome === 204)).toBe(true);
    expect(dashboard.problems).toEqual([]);
    expect((await dashboard.rows()).find((row) => row.name === 'notes.txt')?.checksum).toBe(sha256(text));
    await context.close();
  });
});
