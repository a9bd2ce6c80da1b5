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

/**
 * Issue #15 (memory): the API and the worker import the S3 store and the AWS SDK only when
 * STORAGE_BACKEND is s3. Every process of the stack runs with a resolve hook
 * (support/record-packages.mjs) that lists the npm packages it loaded, through a whole upload.
 */
describe('a stack on local storage', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-packages-'));
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never loads the AWS SDK or @tus/s3-store, from start through a file made complete', async () => {
    stack = await startStack({ env: { NODE_OPTIONS: `--import=${pathToFileURL(HOOK).href}`, AIRLOCK_TEST_PACKAGES_DIR: dir } });
    await stack.startWorker('worker');
    const token = await stack.token('lazy-imports');
    const { upload_id: uploadId } = await uploadBytes(stack.url, token, new TextEncoder().encode('plain text, scanned and promoted\n'), {
      filename: 'note.txt',
      filetype: 'text/plain',
    });
    expect((await waitForStatus(stack.url, token, uploadId, ['complete', 'failed', 'rejected'])).status).toBe('complete');
    await stack.stop();
    stack = undefined;

    const loaded = fs
      .readdirSync(dir)
      .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { entry: string; packages: string[] })
      .filter(({ entry }) => /apps\/(api|worker)\/dist\/main\.js$/.test(entry));
    expect(loaded.map(({ entry }) => entry.split('/').at(-3)).sort()).toEqual(['api', 'worker']);
    expect(loaded.find(({ entry }) => entry.includes('apps/api/'))!.packages).toContain('@tus/file-store');
    for (const { packages } of loaded) {
      // The hook saw the packages each process does use: the list is real.
      expect(packages).toEqual(expect.arrayContaining(['better-sqlite3', 'bullmq', 'ioredis']));
      expect(packages.filter((name) => S3_ONLY.includes(name))).toEqual([]);
    }
  });
});
