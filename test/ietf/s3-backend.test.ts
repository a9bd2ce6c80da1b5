import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../support/files.js';
import { patch, waitForStatus } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { storageProbe, type StorageProbe } from '@airlock/testing/stack';
import { tusUpload, uploadIdOf } from '../support/tus.js';

const MiB = 1024 * 1024;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * The draft on STORAGE_BACKEND=s3 (the Swift S3 of scripts/s3.sh): multipart parts, a deferred
 * length declared at Upload-Complete: ?1, and the protocol marker in the `.info` object.
 */
describe('the IETF draft with STORAGE_BACKEND=s3', () => {
  let probe: StorageProbe;
  let stack: Stack;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    probe = await storageProbe('s3', () => stack.dataDir);
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, ...probe.env } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ietf-s3-'));
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a known length', false],
    ['a deferred length', true],
  ])('uploads 12 MiB with %s in 5 MiB appends to complete, byte-identical', async (_name, deferred) => {
    const source = await randomFile(dir, 12 * MiB + 777, `s3-${String(deferred)}.bin`);
    const run = tusUpload(stack.url, token, source.path, { protocol: 'ietf-draft-05', uploadLengthDeferred: deferred }, deferred);
    await run.done;
    const done = await waitForStatus(stack.url, token, uploadIdOf(run.upload), TERMINAL);
    expect(done).toMatchObject({ status: 'complete', total_size: 12 * MiB + 777 });
    const file = await (await fetch(`${stack.url}/files/${done.file_id as string}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(file).toMatchObject({ checksum_sha256: source.sha256 });
  });

  it('refuses a tus append to a draft upload (412), nothing written', async () => {
    const source = await randomFile(dir, 6 * MiB, 's3-switch.bin');
    let run!: ReturnType<typeof tusUpload>;
    const created = new Promise<void>((resolve) => {
      run = tusUpload(stack.url, token, source.path, { protocol: 'ietf-draft-05', onUploadUrlAvailable: () => void run.upload.abort().then(resolve) });
    });
    await created;
    const url = run.upload.url!;
    expect((await patch(url, token, 0, new Uint8Array(10))).status).toBe(412);
    const head = await fetch(url, { method: 'HEAD', headers: { Authorization: `Bearer ${token}`, 'Upload-Draft-Interop-Version': '6' } });
    expect(head.headers.get('upload-offset')).toBe('0');
  });
});
