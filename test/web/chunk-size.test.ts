import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchesAccepted } from '../support/chunks.js';
import { startStack, type Stack } from '@airlock/testing/stack';
import { launchChromium } from './browser.js';
import { DashboardPage } from './dashboard.page.js';

const KiB = 1024;
const CHUNK_SIZE = 64 * KiB;

// A stack of its own with a small CHUNK_SIZE: the dashboard must read it from the server
// (OPTIONS /uploads) instead of sending its 8 MiB default in one PATCH.
describe('the dashboard sends chunks of the size the server advertises (CHUNK_SIZE)', { timeout: 90_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-web-chunks-'));
    stack = await startStack({ env: { CHUNK_SIZE: String(CHUNK_SIZE) } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads 200 KiB and a bit in 4 PATCH requests of at most CHUNK_SIZE', async () => {
    // Plain text (an allowed type) unique to this run.
    const text = Buffer.from(randomBytes(100 * KiB + 50).toString('hex'));
    const file = path.join(dir, 'chunked.txt');
    fs.writeFileSync(file, text);
    const before = await patchesAccepted(stack.url);

    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    const dashboard = await DashboardPage.open(context, stack.url);
    await dashboard.signIn(await stack.token('dana'), 'dana');
    await dashboard.addFiles([file]);
    await dashboard.startUpload();
    await dashboard.waitForUppyComplete();

    // Counted by the server, and seen leaving the browser: each PATCH starts one CHUNK_SIZE on.
    expect((await patchesAccepted(stack.url)) - before).toBe(4);
    const patches = dashboard.tusRequests.filter((req) => req.method === 'PATCH');
    expect(patches.map((req) => req.offset)).toEqual([0, CHUNK_SIZE, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE]);
    expect(patches.map((req) => req.outcome)).toEqual([204, 204, 204, 204]);
    expect(dashboard.problems).toEqual([]);
    await context.close();
  });
});
