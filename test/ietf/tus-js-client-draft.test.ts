import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile, sha256File } from '../support/files.js';
import { status, waitForStatus } from '../support/http.js';
import { EICAR } from '../support/samples.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { tusUpload, uploadIdOf } from '../support/tus.js';

const MiB = 1024 * 1024;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * tus-js-client 4.3.1's draft modes (`ietf-draft-03` sends interop version 5, `ietf-draft-05`
 * sends 6) against the real API and workers: the same pipeline as tus, to `complete` with the
 * client's SHA-256, or to `quarantined`.
 */
describe.each(['ietf-draft-03', 'ietf-draft-05'] as const)('tus-js-client with protocol %s', (protocol) => {
  let stack: Stack;
  let token: string;
  let dir: string;
  let source: { path: string; sha256: string };

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-ietf-'));
    source = await randomFile(dir, 12 * MiB + 4321);
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The upload reaches `complete` and the pipeline's SHA-256 of the stored bytes is the source's. */
  async function expectComplete(id: string, sha256: string, size: number) {
    const done = await waitForStatus(stack.url, token, id, TERMINAL);
    expect(done).toMatchObject({ status: 'complete', bytes_received: size, total_size: size });
    const file = await (await fetch(`${stack.url}/files/${done.file_id as string}`, { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(file).toMatchObject({ checksum_sha256: sha256, size_bytes: size, status: 'complete' });
  }

  /** An upload of the source stopped by `abort(terminate)` once `bytes` were sent. */
  function abortedAt(bytes: number, terminate: boolean): Promise<ReturnType<typeof tusUpload>> {
    return new Promise((resolve) => {
      let aborting = false;
      const run = tusUpload(stack.url, token, source.path, {
        protocol,
        onProgress(sent) {
          if (sent < bytes || aborting) return;
          aborting = true;
          void run.upload.abort(terminate).then(() => resolve(run));
        },
      });
    });
  }

  it.each([
    ['in 5 MiB appends', {}],
    ['with the first chunk in the creation request', { uploadDataDuringCreation: true }],
  ])('uploads %s to complete, byte-identical', async (_name, options) => {
    const sent: string[] = [];
    const run = tusUpload(stack.url, token, source.path, {
      protocol,
      metadata: { filename: 'source.bin', filetype: 'application/octet-stream', sha256: source.sha256 },
      onBeforeRequest: (req) => void sent.push(`${req.getMethod()} ${req.getHeader('Upload-Draft-Interop-Version')}`),
      ...options,
    });
    await run.done;
    expect(new Set(sent)).toEqual(new Set([`POST ${protocol === 'ietf-draft-03' ? 5 : 6}`, `PATCH ${protocol === 'ietf-draft-03' ? 5 : 6}`]));
    await expectComplete(uploadIdOf(run.upload), source.sha256, 12 * MiB + 4321);
  });

  it('resumes after an interruption with another client instance, from the server offset', async () => {
    const firstRun = await abortedAt(6 * MiB, false);
    const id = uploadIdOf(firstRun.upload);
    const offsets: number[] = [];
    const second = tusUpload(stack.url, token, source.path, {
      protocol,
      uploadUrl: firstRun.upload.url!,
      onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH') offsets.push(Number(req.getHeader('Upload-Offset')));
      },
    });
    await second.done;
    expect(offsets[0]).toBeGreaterThanOrEqual(5 * MiB);
    await expectComplete(id, source.sha256, 12 * MiB + 4321);
  });

  it('uploads a stream of unknown length (the length is known only at Upload-Complete: ?1)', async () => {
    const run = tusUpload(stack.url, token, source.path, { protocol, uploadLengthDeferred: true }, true);
    await run.done;
    await expectComplete(uploadIdOf(run.upload), source.sha256, 12 * MiB + 4321);
  });

  it('aborts with termination: the upload ends failed / terminated and its bytes are gone', async () => {
    const run = await abortedAt(1 * MiB, true);
    const id = uploadIdOf(run.upload);
    expect(await status(stack.url, token, id)).toMatchObject({ status: 'failed', failure_reason: 'terminated' });
    expect(fs.existsSync(path.join(stack.dataDir, 'quarantine', id))).toBe(false);
  });

  it('quarantines the EICAR test file', async () => {
    const eicar = path.join(dir, 'eicar.txt');
    fs.writeFileSync(eicar, EICAR);
    const run = tusUpload(stack.url, token, eicar, { protocol, metadata: { filename: 'eicar.txt' } });
    await run.done;
    const done = await waitForStatus(stack.url, token, uploadIdOf(run.upload), TERMINAL);
    expect(done).toMatchObject({ status: 'quarantined' });
    expect(await sha256File(path.join(stack.dataDir, 'quarantine', uploadIdOf(run.upload)))).toBe(await sha256File(eicar));
  });
});
