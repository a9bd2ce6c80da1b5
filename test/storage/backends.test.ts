import { randomOctets } from '../support/files.js';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, tusHeaders, uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, ELF } from '../support/samples.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { testEnvironment } from '@airlock/testing';
import { BACKENDS, storageProbe, type StorageProbe } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const MiB = 1024 * 1024;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * Every storage path, black-box, the same on both backends: only STORAGE_BACKEND and the S3
 * variables differ between the two runs. S3 is the Swift s3api of scripts/s3.sh, with two
 * fresh buckets for this file.
 */
describe.each(BACKENDS)('with STORAGE_BACKEND=%s', (backend) => {
  let probe: StorageProbe;
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    probe = await storageProbe(backend, () => stack.dataDir);
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, ...probe.env } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.remove();
  });

  const auth = (t = token) => ({ Authorization: `Bearer ${t}` });
  const downloadUrl = async (fileId: string, body?: object) => {
    const res = await fetch(`${stack.url}/files/${fileId}/download-url`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, body: (await res.json()) as { url: string; expires_at: string } };
  };
  const me = async (t: string) => (await (await fetch(`${stack.url}/me`, { headers: auth(t) })).json()) as { used_bytes: number };
  /** Uploads `bytes` in one PATCH and waits for the pipeline's verdict. */
  const uploadAndWait = async (bytes: Buffer<ArrayBuffer>, metadata: Record<string, string> = { filename: 'data.bin' }, t = token) => {
    const up = await uploadBytes(stack.url, t, bytes, metadata);
    const final = await waitForStatus(stack.url, t, up.upload_id, TERMINAL, 60_000);
    return { ...up, status: final.status as string };
  };
  const quarantineOf = async (uploadId: string) => (await probe.quarantineKeys()).filter((key) => key.startsWith(uploadId));

  it('promotes an upload and serves it through the download URL: whole, and a Range', async () => {
    // Over one S3 part (8 MiB) so the object is a real multipart upload.
    const bytes = randomOctets(9 * MiB + 7);
    const up = await uploadAndWait(bytes);
    expect(up.status).toBe('complete');
    expect(await probe.finalKeys()).toContain(`${up.file_id.slice(0, 2)}/${up.file_id}`);
    // Promotion removed the quarantine copy and every tus sidecar.
    expect(await quarantineOf(up.upload_id)).toEqual([]);
    expect(await probe.openMultipartUploads()).not.toContain(up.upload_id);

    const { status: code, body } = await downloadUrl(up.file_id);
    expect(code).toBe(200);
    expect(body.url.startsWith(backend === 's3' ? testEnvironment().s3.endpoint : stack.url)).toBe(true);
    const whole = await fetch(body.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const part = await fetch(body.url, { headers: { Range: 'bytes=8388600-8388711' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8388600-8388711/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(8388600, 8388712))).toBe(true);
  });

  it('refuses a download URL with one signature character changed, and an expired one', async () => {
    const up = await uploadAndWait(randomOctets(64 * 1024));
    expect(up.status).toBe('complete');
    const { body } = await downloadUrl(up.file_id);
    expect((await fetch(body.url)).status).toBe(200);
    expect((await fetch(tamper(body.url))).status).toBe(403);

    const { body: short } = await downloadUrl(up.file_id, { expires_in: 1 });
    const refused = await waitFor(
      () => fetch(short.url).then((res) => res.status),
      (code) => code !== 200,
      {
        timeoutMs: 5_000,
        intervalMs: 250,
        what: 'the 1 s URL to expire',
      },
    );
    expect(refused).toBe(403);
  });

  it('has no download URL for a quarantined file, whose bytes stay in quarantine', async () => {
    const up = await uploadAndWait(Buffer.from(EICAR), { filename: 'eicar.txt' });
    expect(up.status).toBe('quarantined');
    expect((await downloadUrl(up.file_id)).status).toBe(409);
    expect(await quarantineOf(up.upload_id)).toContain(up.upload_id);
    expect((await probe.finalKeys()).some((key) => key.endsWith(up.file_id))).toBe(false);
  });

  it('DELETE /files/:id removes the bytes from storage and frees the quota', async () => {
    const bob = await stack.token(`bob-${backend}`);
    const bytes = randomOctets(2 * MiB);
    const up = await uploadAndWait(bytes, { filename: 'bob.bin' }, bob);
    expect(up.status).toBe('complete');
    expect(await me(bob)).toMatchObject({ used_bytes: bytes.length });
    const key = `${up.file_id.slice(0, 2)}/${up.file_id}`;
    expect(await probe.finalKeys()).toContain(key);

    const res = await fetch(`${stack.url}/files/${up.file_id}`, { method: 'DELETE', headers: auth(bob) });
    expect(res.status).toBe(204);
    expect(await probe.finalKeys()).not.toContain(key);
    expect(await me(bob)).toMatchObject({ used_bytes: 0 });
    expect((await fetch(`${stack.url}/files/${up.file_id}`, { headers: auth(bob) })).status).toBe(404);
  });

  it('DELETE /uploads/:id removes everything an open upload stored (parts and the short tail)', async () => {
    const bytes = randomOctets(20 * MiB);
    const up = await created(bytes.length);
    // 6 MiB: a full S3 part; then 1 MiB: below the 5 MiB minimum, kept in `<id>.part`.
    expect((await patch(up.upload_url, token, 0, bytes.subarray(0, 6 * MiB))).status).toBe(204);
    expect((await patch(up.upload_url, token, 6 * MiB, bytes.subarray(6 * MiB, 7 * MiB))).status).toBe(204);
    expect(await quarantineOf(up.upload_id)).toEqual(backend === 's3' ? [`${up.upload_id}.info`, `${up.upload_id}.part`] : [up.upload_id]);
    expect(await headOffset(up.upload_url)).toBe(7 * MiB);

    const res = await fetch(up.upload_url, { method: 'DELETE', headers: tusHeaders(token) });
    expect(res.status).toBe(204);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ status: 'failed', failure_reason: 'terminated' });
    expect(await quarantineOf(up.upload_id)).toEqual([]);
    expect(await probe.openMultipartUploads()).not.toContain(up.upload_id);
  });

  it('keeps what landed when a PATCH is cut half-way, and resumes from exactly there', async () => {
    const bytes = randomOctets(12 * MiB + 5);
    const up = await created(bytes.length);
    // Up to 3 MiB, then the connection drops: what the server read is kept and acknowledged
    // (S3: a tail below the 5 MiB part minimum, in `<id>.part`).
    await cutPatch(up.upload_url, 0, bytes, 3 * MiB);
    const first = await headOffset(up.upload_url);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(3 * MiB);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ status: 'uploading', bytes_received: first });
    if (backend === 's3') expect(await quarantineOf(up.upload_id)).toEqual([`${up.upload_id}.info`, `${up.upload_id}.part`]);
    // Up to 4 MiB more, cut again (S3: the tail and these bytes are merged; a part once ≥ 5 MiB).
    await cutPatch(up.upload_url, first, bytes, 4 * MiB);
    const second = await headOffset(up.upload_url);
    expect(second).toBeGreaterThan(first);
    expect(second).toBeLessThanOrEqual(first + 4 * MiB);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ bytes_received: second });
    // A client that missed the last answer is told the server's offset.
    const stale = await patch(up.upload_url, token, first, bytes.subarray(first, first + MiB));
    expect(stale.status).toBe(409);
    expect(stale.headers.get('upload-offset')).toBe(String(second));

    expect((await patch(up.upload_url, token, second, bytes.subarray(second))).status).toBe(204);
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 60_000)).toMatchObject({ status: 'complete' });
    const { body } = await downloadUrl(up.file_id);
    expect(Buffer.from(await (await fetch(body.url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('rejects an executable at the door (415) and removes what the upload had in storage', async () => {
    // S3: the multipart upload and `.info` exist from creation on; both must go.
    const up = await created(ELF.length);
    const res = await patch(up.upload_url, token, 0, ELF);
    expect(res.status).toBe(415);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ status: 'rejected' });
    expect(await quarantineOf(up.upload_id)).toEqual([]);
    expect(await probe.openMultipartUploads()).not.toContain(up.upload_id);
  });

  it('completes an upload whose length is declared only with its last chunk', async () => {
    const bytes = randomOctets(7 * MiB + 3);
    const res = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Defer-Length': '1' }) });
    expect(res.status).toBe(201);
    const up = (await res.json()) as { upload_id: string; upload_url: string; file_id: string };
    expect((await patch(up.upload_url, token, 0, bytes.subarray(0, MiB))).status).toBe(204);
    const last = await patch(up.upload_url, token, MiB, bytes.subarray(MiB), { 'Upload-Length': String(bytes.length) });
    expect(last.status).toBe(204);
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 60_000)).toMatchObject({ status: 'complete', total_size: bytes.length });
    const { body } = await downloadUrl(up.file_id);
    expect(Buffer.from(await (await fetch(body.url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('takes an empty upload through the pipeline', async () => {
    const up = await created(0);
    const final = await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 60_000);
    expect(final).toMatchObject({ status: 'complete', bytes_received: 0 });
    const { body } = await downloadUrl(up.file_id);
    const res = await fetch(body.url);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(await quarantineOf(up.upload_id)).toEqual([]);
    expect(await probe.openMultipartUploads()).not.toContain(up.upload_id);
  });

  async function created(length: number) {
    const { res, body } = await createUpload(stack.url, token, length);
    expect(res.status).toBe(201);
    return body as { upload_id: string; file_id: string; upload_url: string };
  }

  /** HEAD waits for the upload's lock, so it answers once any PATCH before it has ended. */
  async function headOffset(url: string): Promise<number> {
    const res = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
    expect(res.status).toBe(200);
    return Number(res.headers.get('upload-offset'));
  }

  /**
   * A PATCH that announces all of `bytes` from `offset` but sends only `send` bytes, then
   * drops the connection. The pause is not a wait for a condition: the server gives no sign
   * of bytes it has read but not yet stored; on loopback it reads them within milliseconds.
   */
  async function cutPatch(url: string, offset: number, bytes: Buffer, send: number): Promise<void> {
    const body = bytes.subarray(offset);
    const req = http.request(url, {
      method: 'PATCH',
      headers: tusHeaders(token, {
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(body.length),
      }),
    });
    req.on('error', () => {});
    req.on('response', (res) => res.resume());
    await new Promise<void>((resolve) => req.write(body.subarray(0, send), () => resolve()));
    await delay(300);
    req.destroy();
  }
});

/** The same URL with one character of its signature changed (local `sig`, S3 `X-Amz-Signature`). */
function tamper(url: string): string {
  const parsed = new URL(url);
  const name = parsed.searchParams.has('X-Amz-Signature') ? 'X-Amz-Signature' : 'sig';
  const signature = parsed.searchParams.get(name)!;
  const at = Math.floor(signature.length / 2);
  const changed = signature[at] === 'a' ? 'b' : 'a';
  parsed.searchParams.set(name, signature.slice(0, at) + changed + signature.slice(at + 1));
  return parsed.toString();
}
