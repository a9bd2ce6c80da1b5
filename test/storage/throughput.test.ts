import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../support/files.js';
import { status } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { BACKENDS, storageProbe, type StorageProbe } from '@airlock/testing/stack';
import { tusUpload, uploadIdOf } from '../support/tus.js';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;

/**
 * Upload throughput into quarantine, per backend: ~100 MiB through tus-js-client in 8 MiB
 * chunks (one S3 part per chunk), no worker (only the upload is timed). Prints a `[measure]`
 * line; the assertion is only that every byte arrived.
 */
describe.each(BACKENDS)('upload throughput with STORAGE_BACKEND=%s', (backend) => {
  let probe: StorageProbe;
  let stack: Stack;
  let dir: string;
  let source: { path: string; sha256: string };

  beforeAll(async () => {
    probe = await storageProbe(backend, () => stack.dataDir);
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, ...probe.env } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-throughput-'));
    source = await randomFile(dir, SIZE);
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads 100 MiB in 8 MiB chunks', async () => {
    const token = await stack.token('measure');
    const started = performance.now();
    const run = tusUpload(stack.url, token, source.path, { chunkSize: 8 * MiB });
    await run.done;
    const seconds = (performance.now() - started) / 1000;
    console.log(`[measure] ${backend}: 100 MiB via tus-js-client in 8 MiB chunks: ${(SIZE / MiB / seconds).toFixed(1)} MiB/s`);
    expect(await status(stack.url, token, uploadIdOf(run.upload))).toMatchObject({ status: 'assembling', bytes_received: SIZE });
    if (backend === 's3') expect(await probe.quarantineKeys()).toContain(uploadIdOf(run.upload));
  });
});
