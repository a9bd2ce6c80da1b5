import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, tusHeaders } from '../support/http.js';
import { slowRequest, type SlowRequest } from '../support/slow-body.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const text = (length: number) => new Uint8Array(Buffer.alloc(length, 'c'));
const sha1 = (bytes: Uint8Array) => `sha1 ${createHash('sha1').update(bytes).digest('base64')}`;

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name))
    : [];

/**
 * Issue #12, item 5. A chunk with Upload-Checksum or Content-MD5 is written to disk while it
 * is hashed, before any of it reaches the upload. That disk is DATA_DIR's (never the system
 * temp dir), bounded per chunk and per process, and cleaned after a crash.
 */
describe('the checksum spool', () => {
  let stack: Stack;
  let alice: string;
  const spoolDir = () => path.join(stack.dataDir, 'spool');
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, CHECKSUM_MAX_CHUNK_BYTES: '1024', CHECKSUM_SPOOL_MAX_BYTES: '2048' } });
    alice = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  const newUpload = async (length: number) => ((await createUpload(stack.url, alice, length)).body as { upload_id: string; upload_url: string }).upload_url;
  const offsetOf = async (url: string) => (await fetch(url, { method: 'HEAD', headers: tusHeaders(alice) })).headers.get('upload-offset');
  /** A checksummed PATCH whose body the test holds open after `first` bytes. */
  const held = (url: string, body: Uint8Array, first: number): SlowRequest => {
    const request = slowRequest(
      stack.url,
      'PATCH',
      new URL(url).pathname,
      tusHeaders(alice, {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(body.length),
        'Upload-Checksum': sha1(body),
      }),
    );
    request.write(body.subarray(0, first));
    return request;
  };

  it('advertises the per-chunk cap', async () => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'OPTIONS' });
    expect(res.headers.get('airlock-checksum-max-chunk-size')).toBe('1024');
  });

  it('answers 413 naming the cap for a larger declared chunk, before reading it; the offset stays', async () => {
    const url = await newUpload(4096);
    const body = text(2000);
    const res = await patch(url, alice, 0, body, { 'Upload-Checksum': sha1(body) });
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/at most 1024 bytes.*CHECKSUM_MAX_CHUNK_BYTES/);
    expect(await offsetOf(url)).toBe('0');
    // The same bytes in chunks under the cap pass.
    const part = body.subarray(0, 1000);
    expect((await patch(url, alice, 0, part, { 'Upload-Checksum': sha1(part) })).status).toBe(204);
  });

  it('cuts a chunked body (no Content-Length) at the cap with 413; nothing of it is kept', async () => {
    const url = await newUpload(4096);
    const body = text(3000);
    const request = slowRequest(
      stack.url,
      'PATCH',
      new URL(url).pathname,
      tusHeaders(alice, {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Checksum': sha1(body),
      }),
    );
    request.write(body);
    request.end();
    const outcome = await request.response;
    expect(outcome).toMatchObject({ status: 413 });
    expect(await offsetOf(url)).toBe('0');
    expect(filesUnder(spoolDir())).toEqual([]);
  });

  it('spools under DATA_DIR, and answers 503 + Retry-After once the process spool is full', async () => {
    const tmpBefore = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('airlock-chunk-'));
    const urls = await Promise.all([newUpload(1024), newUpload(1024), newUpload(1024), newUpload(1024)]);
    // Two chunks of 1024 bytes claim the whole 2048-byte spool while their bodies are open.
    const holders = urls.slice(0, 2).map((url) => held(url, text(1024), 100));
    try {
      await waitFor(
        async () => filesUnder(spoolDir()).length,
        (count) => count === 2,
        { timeoutMs: 10_000 },
      );
      expect(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('airlock-chunk-'))).toEqual(tmpBefore);
      const body = text(10);
      const third = await patch(urls[2]!, alice, 0, body, { 'Upload-Checksum': sha1(body) });
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toBeTruthy();
      expect(third.headers.get('tus-resumable')).toBe('1.0.0');
      // A chunk without a checksum is not spooled and still goes through.
      expect((await patch(urls[3]!, alice, 0, text(10))).status).toBe(204);
    } finally {
      for (const holder of holders) {
        holder.write(text(1024).subarray(100));
        holder.end();
      }
    }
    for (const holder of holders) expect(await holder.response).toMatchObject({ status: 204 });
    // Verified, appended, and the spool is empty again.
    expect(filesUnder(spoolDir())).toEqual([]);
    const body = text(10);
    expect((await patch(urls[2]!, alice, 0, body, { 'Upload-Checksum': sha1(body) })).status).toBe(204);
  });

  it('leaves nothing behind after a kill -9 mid-spool: the restarted API removes it', async () => {
    const url = await newUpload(1024);
    const holder = held(url, text(1024), 500);
    await waitFor(
      async () => filesUnder(spoolDir()),
      (files) => files.length === 1,
      { timeoutMs: 10_000 },
    );
    const left = filesUnder(spoolDir())[0]!;
    expect(left.startsWith(stack.dataDir)).toBe(true);
    await stack.api.kill();
    holder.destroy();
    expect(fs.existsSync(left)).toBe(true);
    await stack.api.restart();
    expect(filesUnder(spoolDir())).toEqual([]);
    expect(fs.existsSync(path.dirname(path.dirname(left)))).toBe(false);
    // Nothing of the chunk reached the upload: it was never verified.
    expect(await offsetOf(url)).toBe('0');
  });
});
