import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { EICAR, PNG } from '../support/samples.js';
import { startStack, type Stack } from '@airlock/testing/stack';
import { launchChromium } from './browser.js';
import { DashboardPage } from './dashboard.page.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots of the finished page: test artifacts, git-ignored. docs/dashboard.png is a copy of the desktop one. */
const RESULTS = path.join(ROOT, 'test-results', 'web');
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Valid UTF-8 text (an allowed type), unique to this run so no scan result is cached. */
const textOf = (bytes: number) =>
  Buffer.from(
    randomBytes(bytes / 2)
      .toString('hex')
      .replace(/(.{99})./g, '$1\n'),
  );

interface FileItem {
  original_filename: string;
  status: string;
  checksum_sha256: string | null;
}

// The cases share one stack and one browser but nothing else (a user, a browser context and
// file names each), so they run concurrently: the pipeline's latency overlaps, not adds up.
describe.concurrent('the web dashboard in Chromium (Uppy Dashboard + @uppy/tus against the real stack)', { timeout: 90_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  /** A second API on the same data, without AUTH_JWT_SECRET: it generates its own (development). */
  let devApi: Promise<{ url: string }>;
  let dir: string;
  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const filesOf = async (token: string): Promise<FileItem[]> =>
    ((await (await fetch(`${stack.url}/files`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { items: FileItem[] }).items;

  /** Without Chromium every case fails with this (a failing beforeAll would only count them as skipped). */
  let missingBrowser: Error | undefined;

  beforeAll(async () => {
    // First: without Chromium nothing else is started.
    try {
      browser = await launchChromium();
    } catch (error) {
      missingBrowser = error as Error;
      return;
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-web-'));
    fs.mkdirSync(RESULTS, { recursive: true });
    stack = await startStack();
    devApi = stack.startApi({ AUTH_JWT_SECRET: '' });
    devApi.catch(() => {}); // awaited (and reported) by the test that uses it
    await stack.startWorker('worker');
  });
  // A failure shows what the API said (the stack logs at warn: errors and warnings only).
  beforeEach(({ onTestFailed }) => {
    if (missingBrowser) throw missingBrowser;
    onTestFailed(() => console.error(`API output:\n${stack?.api.output().slice(-6000)}`));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is served at / under a strict CSP, without shadowing the API', async ({ expect }) => {
    const page = await fetch(`${stack.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'.*connect-src 'self'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    // The stack configures AUTH_JWT_SECRET: no development token anywhere in the page.
    expect(await page.text()).not.toContain('airlock-dev-token');
    expect((await fetch(`${stack.url}/files`)).status).toBe(401);
    expect((await fetch(`${stack.url}/healthz`)).headers.get('content-type')).toMatch(/json/);
  });

  it('uploads a PNG, a text file and the EICAR file; shows complete, complete, quarantined; downloads the same bytes', async ({ expect }) => {
    const token = await stack.token('alice');
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, acceptDownloads: true });
    const dashboard = await DashboardPage.open(context, stack.url);
    await dashboard.signIn(token, 'alice');
    const text = Buffer.from('Quarterly notes\n'.repeat(200));
    await dashboard.addFiles([write('pixel.png', PNG), write('notes.txt', text), write('eicar.txt', Buffer.from(EICAR))]);
    await dashboard.startUpload();
    await dashboard.waitForUppyComplete();
    const creations = dashboard.tusRequests.filter((req) => req.method === 'POST');
    expect(
      creations.map((req) => req.outcome),
      `one upload per file; the page sent: ${JSON.stringify(dashboard.tusRequests)}`,
    ).toEqual([201, 201, 201]);
    await dashboard.waitForStatuses({ 'pixel.png': 'complete', 'notes.txt': 'complete', 'eicar.txt': 'quarantined' });

    const rows = await dashboard.rows();
    expect(rows.find((row) => row.name === 'pixel.png')).toMatchObject({ meta: expect.stringMatching(/^image\/png · 67 B/), checksum: sha256(PNG) });
    expect(rows.find((row) => row.name === 'notes.txt')).toMatchObject({ meta: expect.stringMatching(/^text\/plain · 3\.1 KB/), checksum: sha256(text) });
    expect(rows.find((row) => row.name === 'eicar.txt')?.note).toMatch(/Malware found: .*EICAR/i);
    // Only a complete file offers a download; the quota counts what is stored.
    await expect(dashboard.row('eicar.txt').locator('[data-action=download]').isVisible()).resolves.toBe(false);
    await dashboard.page.locator('#quota-used', { hasText: /KB/ }).waitFor();

    const [download] = await Promise.all([dashboard.page.waitForEvent('download'), dashboard.row('pixel.png').locator('[data-action=download]').click()]);
    expect(download.suggestedFilename()).toBe('pixel.png');
    expect(sha256(fs.readFileSync((await download.path())!))).toBe(sha256(PNG));

    await dashboard.waitForUppyComplete();
    await dashboard.page.mouse.move(0, 0);
    await dashboard.page.screenshot({ path: path.join(RESULTS, 'dashboard-desktop.png') });
    expect(dashboard.problems).toEqual([]);

    // The same account on a phone: one column, nothing wider than the screen, delete works.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const mobile = await DashboardPage.open(phone, stack.url);
    await mobile.signIn(token, 'alice');
    await mobile.waitForStatuses({ 'pixel.png': 'complete', 'notes.txt': 'complete', 'eicar.txt': 'quarantined' });
    expect(await mobile.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await mobile.page.screenshot({ path: path.join(RESULTS, 'dashboard-phone.png'), fullPage: true });
    mobile.page.once('dialog', (dialog) => void dialog.accept());
    await mobile.row('notes.txt').locator('[data-action=delete]').click();
    await mobile.row('notes.txt').waitFor({ state: 'detached' });
    expect((await filesOf(token)).map((file) => file.original_filename).sort()).toEqual(['eicar.txt', 'pixel.png']);
    expect(mobile.problems).toEqual([]);
    await phone.close();
    await context.close();
  });

  it('resumes a 30 MiB upload after a reload instead of starting again', async ({ expect }) => {
    const token = await stack.token('bob');
    const big = textOf(30 * MiB);
    const file = write('big.log', big);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const dashboard = await DashboardPage.open(context, stack.url);
    await dashboard.signIn(token, 'bob');
    // A slow uplink (Chromium's own throttling of request bodies), so the reload lands mid-way.
    const cdp = await context.newCDPSession(dashboard.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * MiB });

    await dashboard.addFiles([file]);
    const firstChunk = dashboard.page.waitForResponse((res) => res.request().method() === 'PATCH' && res.status() === 204);
    await dashboard.startUpload();
    await firstChunk;
    expect(
      dashboard.tusRequests.filter((req) => req.method === 'POST').map((req) => req.outcome),
      JSON.stringify(dashboard.tusRequests),
    ).toEqual([201]);
    await dashboard.page.reload();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await dashboard.waitForStatuses({ 'big.log': 'uploading' });

    // The same file again: Uppy finds its fingerprint in localStorage and asks the server where it stands.
    await dashboard.addFiles([file]);
    await dashboard.startUpload();
    await dashboard.waitForUppyComplete();

    const seen = `the page sent: ${JSON.stringify(dashboard.tusRequests)}`;
    const creations = dashboard.tusRequests.filter((req) => req.method === 'POST');
    expect(creations, `one upload created for the file; ${seen}`).toHaveLength(1);
    const uploadUrl = dashboard.tusRequests.find((req) => req.method === 'PATCH')!.url;
    // The reload cut a PATCH in flight: it landed mid-way. (Chromium may report that PATCH's
    // request event after the reload's navigation, so its `load` can read 2: only its outcome
    // tells it apart.)
    const cut = (req: (typeof dashboard.tusRequests)[number]) => req.method === 'PATCH' && req.outcome === 'net::ERR_ABORTED';
    expect(dashboard.tusRequests.some(cut), seen).toBe(true);
    // What Uppy sent to the upload itself once the page was loaded again.
    const afterReload = dashboard.tusRequests.filter((req) => req.load === 2 && req.url === uploadUrl && !cut(req));
    expect(afterReload[0], seen).toMatchObject({ method: 'HEAD', url: uploadUrl });
    const resumed = afterReload.find((req) => req.method === 'PATCH')!;
    expect(resumed.url).toBe(uploadUrl);
    expect(resumed.offset, `the first PATCH after the reload starts where the server stopped; ${seen}`).toBeGreaterThanOrEqual(8 * MiB);
    expect(resumed.offset).toBeLessThan(big.length);
    await dashboard.waitForStatuses({ 'big.log': 'complete' });
    expect(await filesOf(token)).toEqual([expect.objectContaining({ original_filename: 'big.log', status: 'complete', checksum_sha256: sha256(big) })]);
    // removeFingerprintOnSuccess: nothing left to resume.
    expect(await dashboard.page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tus::')))).toEqual([]);
    expect(dashboard.problems).toEqual([]);
    await context.close();
  });

  it('sends a file of 64 MiB or more as parallel partial uploads joined by concatenation', async ({ expect }) => {
    const token = await stack.token('carol');
    const huge = textOf(64 * MiB);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const dashboard = await DashboardPage.open(context, stack.url);
    await dashboard.signIn(token, 'carol');
    await dashboard.addFiles([write('huge.log', huge)]);
    await dashboard.startUpload();
    await dashboard.waitForUppyComplete();

    const creations = dashboard.tusRequests.filter((req) => req.method === 'POST').map((req) => `${req.concat?.split(';')[0]} ${req.outcome}`);
    expect(creations.sort(), JSON.stringify(dashboard.tusRequests)).toEqual(['final 201', 'partial 201', 'partial 201', 'partial 201']);
    await dashboard.waitForStatuses({ 'huge.log': 'complete' });
    // The partial uploads are not files: one file, the whole of it.
    expect(await filesOf(token)).toEqual([expect.objectContaining({ original_filename: 'huge.log', status: 'complete', checksum_sha256: sha256(huge) })]);
    expect(dashboard.problems).toEqual([]);
    await context.close();
  });

  it('in development (a generated secret) signs the local user in as "dev" without a pasted token', async ({ expect }) => {
    const dev = await devApi;
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const dashboard = await DashboardPage.open(context, dev.url);
    await dashboard.page.locator('#user', { hasText: 'dev' }).waitFor();
    expect(await dashboard.page.locator('#token-form').isVisible()).toBe(false);
    expect(dashboard.problems).toEqual([]);
    await context.close();
  });
});
