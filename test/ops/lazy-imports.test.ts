import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@airlock/testing/stack';
import { uploadBytes, waitForStatus } from '../support/http.js';

const HOOK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/record-packages.mjs');
/** What only the S3 backend needs: about 6 MiB of heap and more of code in every process that loads it. */
const S3_ONLY = ['@aws-sdk/client-s3', '@tus/s3-store'];
/** Prisma's client runtime and query compiler: 20–30 MiB in a process that queries through it (packages/db, prisma-client.ts). */
const PRISMA_CLIENT = '@prisma/client';

/**
 * Issue #15 (memory): the API and the worker import the S3 store and the AWS SDK only when
 * STORAGE_BACKEND is s3, and the API loads Prisma's client only for what is not plain SQL (not
 * for an upload, its status, a metrics scrape, nor GET and DELETE of the file). Every process of
 * the stack runs with a resolve hook (support/record-packages.mjs) that lists the npm packages it
 * loaded, through a whole upload.
 */
describe('a stack on local storage', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-packages-'));
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("never loads the AWS SDK or @tus/s3-store, nor Prisma's client in the API, from start through a file made complete, read and deleted", async () => {
    stack = await startStack({ env: { NODE_OPTIONS: `--import=${pathToFileURL(HOOK).href}`, AIRLOCK_TEST_PACKAGES_DIR: dir } });
    await stack.startWorker('worker');
    const token = await stack.token('lazy-imports');
    const { upload_id: uploadId, file_id: fileId } = await uploadBytes(stack.url, token, new TextEncoder().encode('plain text, scanned and promoted\n'), {
      filename: 'note.txt',
      filetype: 'text/plain',
    });
    expect((await waitForStatus(stack.url, token, uploadId, ['complete', 'failed', 'rejected'])).status).toBe('complete');
    const auth = { Authorization: `Bearer ${token}` };
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${stack.url}/files/${fileId}`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${stack.url}/files/${fileId}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await stack.stop();
    stack = undefined;

    const loaded = fs
      .readdirSync(dir)
      .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { entry: string; packages: string[] })
      .filter(({ entry }) => /apps\/(api|worker)\/dist\/main\.js$/.test(entry));
    expect(loaded.map(({ entry }) => entry.split('/').at(-3)).sort()).toEqual(['api', 'worker']);
    const api = loaded.find(({ entry }) => entry.includes('apps/api/'))!.packages;
    const worker = loaded.find(({ entry }) => entry.includes('apps/worker/'))!.packages;
    expect(api).toContain('@tus/file-store');
    expect(api).not.toContain(PRISMA_CLIENT);
    // The worker's status changes go through Prisma: the hook sees it when it is loaded.
    expect(worker).toContain(PRISMA_CLIENT);
    for (const { packages } of loaded) {
      // The hook saw the packages each process does use: the list is real.
      expect(packages).toEqual(expect.arrayContaining(['better-sqlite3', 'bullmq', 'ioredis']));
      expect(packages.filter((name) => S3_ONLY.includes(name))).toEqual([]);
    }
  });
});
