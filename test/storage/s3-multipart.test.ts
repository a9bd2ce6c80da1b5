import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../support/files.js';
import { waitForStatus } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { storageProbe, type StorageProbe } from '@airlock/testing/stack';
import { tusUpload, uploadIdOf } from '../support/tus.js';

const MiB = 1024 * 1024;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * tus-js-client against the S3 quarantine store, with chunks on both sides of S3's 5 MiB
 * part minimum: below it, @tus/s3-store keeps the tail in `<id>.part` and merges it into the
 * next chunk; above it, every chunk is a part of its own (S3_PART_SIZE 8 MiB).
 */
describe('S3 quarantine: chunk sizes around the part minimum, through tus-js-client', () => {
  let probe: StorageProbe;
  let stack: Stack;
  let token: string;
  let dir: string;
  let source: { path: string; sha256: string };

  beforeAll(async () => {
    probe = await storageProbe('s3', () => stack.dataDir);
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, ...probe.env } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-s3-src-'));
    source = await randomFile(dir, 20 * MiB);
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Downloads a complete file through its presigned URL and hashes it. */
  async function downloadedSha256(uploadId: string): Promise<string> {
    const view = await waitForStatus(stack.url, token, uploadId, TERMINAL, 60_000);
    expect(view).toMatchObject({ status: 'complete', bytes_received: 20 * MiB });
    const res = await fetch(`${stack.url}/files/${view.file_id as string}/download-url`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    const { url } = (await res.json()) as { url: string };
    const body = await fetch(url);
    expect(body.status).toBe(200);
    const { createHash } = await import('node:crypto');
    return createHash('sha256')
      .update(Buffer.from(await body.arrayBuffer()))
      .digest('hex');
  }

  it.each([
    ['1 MiB chunks (below the part minimum: `.part` merging)', 1 * MiB],
    ['6 MiB chunks (one part each)', 6 * MiB],
  ])('uploads 20 MiB in %s, byte-identical', async (_name, chunkSize) => {
    const run = tusUpload(stack.url, token, source.path, { chunkSize });
    await run.done;
    expect(await downloadedSha256(uploadIdOf(run.upload))).toBe(source.sha256);
  });

  it('concatenates a parallel upload (partials in S3) into byte-identical bytes', async () => {
    const run = tusUpload(stack.url, token, source.path, { parallelUploads: 3, chunkSize: 6 * MiB });
    await run.done;
    expect(await downloadedSha256(uploadIdOf(run.upload))).toBe(source.sha256);
  });

  it('leaves no multipart upload open and nothing in quarantine once everything is promoted', async () => {
    expect(await probe.openMultipartUploads()).toEqual([]);
    expect(await probe.quarantineKeys()).toEqual([]);
    expect(await probe.finalKeys()).toHaveLength(3);
  });
});
