import { randomOctets } from '../support/files.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

/** #19 item 6: the local signed download follows RFC 9110 §13 preconditions, one rule per test. */
describe('conditional requests on a signed download', () => {
  let stack: Stack;
  let url: string;
  let etag: string;
  let lastModified: string;
  const bytes = randomOctets(10_000);

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    await stack.startWorker('worker');
    const token = await stack.token('carol');
    const up = await uploadBytes(stack.url, token, bytes, { filename: 'data.bin' });
    expect(await waitForStatus(stack.url, token, up.upload_id, ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'])).toMatchObject({
      status: 'complete',
    });
    const link = await fetch(`${stack.url}/files/${up.file_id}/download-url`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    url = ((await link.json()) as { url: string }).url;
    const plain = await fetch(url);
    etag = plain.headers.get('etag')!;
    lastModified = plain.headers.get('last-modified')!;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const get = (headers: Record<string, string>, method = 'GET') => fetch(url, { method, headers });
  const body = async (res: Response) => Buffer.from(await res.arrayBuffer());
  const secondsBefore = (date: string, s: number) => new Date(Date.parse(date) - s * 1000).toUTCString();
  const weak = () => `W/${etag}`;

  it('sends a strong ETag and Last-Modified', async () => {
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(Number.isNaN(Date.parse(lastModified))).toBe(false);
    expect(lastModified).toMatch(/ GMT$/);
  });

  it('If-Match: a listed strong tag or * → 200; another tag or the weak form → 412', async () => {
    expect((await get({ 'If-Match': etag })).status).toBe(200);
    expect((await get({ 'If-Match': `"nope", ${etag}` })).status).toBe(200);
    expect((await get({ 'If-Match': '*' })).status).toBe(200);
    const failed = await get({ 'If-Match': '"nope"' });
    expect(failed.status).toBe(412);
    expect(await failed.json()).toMatchObject({ error: { code: 'precondition_failed' } });
    expect((await get({ 'If-Match': weak() })).status).toBe(412);
  });

  it('If-Unmodified-Since: 412 when modified after the date, ignored with If-Match', async () => {
    expect((await get({ 'If-Unmodified-Since': lastModified })).status).toBe(200);
    expect((await get({ 'If-Unmodified-Since': secondsBefore(lastModified, 60) })).status).toBe(412);
    expect((await get({ 'If-Match': etag, 'If-Unmodified-Since': secondsBefore(lastModified, 60) })).status).toBe(200);
  });

  it('If-None-Match: weak comparison, `*` included → 304 for GET and HEAD; another tag → 200', async () => {
    for (const value of [etag, weak(), '*', `"nope", ${weak()}`]) {
      const res = await get({ 'If-None-Match': value });
      expect(res.status, value).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect((await body(res)).length).toBe(0);
      expect((await get({ 'If-None-Match': value }, 'HEAD')).status, `HEAD ${value}`).toBe(304);
    }
    const other = await get({ 'If-None-Match': '"nope"' });
    expect(other.status).toBe(200);
    expect((await body(other)).equals(bytes)).toBe(true);
  });

  it('If-Modified-Since: 304 when not modified since; ignored with If-None-Match', async () => {
    expect((await get({ 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await get({ 'If-Modified-Since': lastModified }, 'HEAD')).status).toBe(304);
    expect((await get({ 'If-Modified-Since': secondsBefore(lastModified, 60) })).status).toBe(200);
    expect((await get({ 'If-None-Match': '"nope"', 'If-Modified-Since': lastModified })).status).toBe(200);
  });

  it('evaluates in the order of §13.2.2: a failing If-Match wins over a matching If-None-Match', async () => {
    expect((await get({ 'If-Match': '"nope"', 'If-None-Match': etag })).status).toBe(412);
  });

  it('If-Range with the current entity tag → 206; with another or a weak tag → 200 and the whole body', async () => {
    const range = { Range: 'bytes=100-199' };
    const partial = await get({ ...range, 'If-Range': etag });
    expect(partial.status).toBe(206);
    expect((await body(partial)).equals(bytes.subarray(100, 200))).toBe(true);
    for (const value of ['"nope"', weak(), secondsBefore(lastModified, 60)]) {
      const whole = await get({ ...range, 'If-Range': value });
      expect(whole.status, value).toBe(200);
      expect(whole.headers.get('content-range')).toBeNull();
      expect((await body(whole)).equals(bytes)).toBe(true);
    }
  });

  it('If-Range with exactly the Last-Modified → 206 (once that date is a strong validator, a second old)', async () => {
    const status = await waitFor(
      () => get({ Range: 'bytes=0-9', 'If-Range': lastModified }).then((res) => res.status),
      (code) => code === 206,
      {
        timeoutMs: 5_000,
        intervalMs: 200,
        what: 'If-Range with the Last-Modified to be honoured',
      },
    );
    expect(status).toBe(206);
  });
});
