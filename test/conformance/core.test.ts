import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { slowRequest } from '../support/slow-body.js';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { b64, expectTusError, expectTusResumable, OFFSET_OCTETS, tusClient, userClient } from '../support/tus-raw.js';
import { waitFor } from '@airlock/testing';

/**
 * tus 1.0.0, "Core Protocol" (docs/TUS-CONFORMANCE.md, section core). Raw HTTP, one test per
 * row; `it.fails` marks a rule Airlock breaks today (the row says how).
 */
const MAX = 1024 * 1024;
const UNKNOWN = '/uploads/0123456789abcdef0123456789abcdef';
const PDF = '%PDF-1.4\n% not allowed here\n';

describe('tus core protocol', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS, MAX_UPLOAD_SIZE: String(MAX), CHUNK_SIZE: String(64 * 1024) } });
  const tus = userClient(stack, 'alice');
  const bob = userClient(stack, 'bob');

  // --- Tus-Version, Tus-Extension, Tus-Max-Size, OPTIONS --------------------------------------

  it('core/OPTIONS: a 204 or 200 MUST carry Tus-Version, a comma list with 1.0.0 first', async () => {
    const res = await tus.options();
    expect([200, 204]).toContain(res.status);
    const versions = res.headers
      .get('tus-version')!
      .split(',')
      .map((v) => v.trim());
    expect(versions[0]).toBe('1.0.0');
  });

  it('core/OPTIONS: answers without a token (feature detection before sign-in)', async () => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
  });

  it('core/OPTIONS: the Server MUST ignore Tus-Resumable in an OPTIONS request', async () => {
    for (const version of ['1.0.0', '0.2.2', 'garbage']) {
      const res = await tus.options('/uploads', { 'Tus-Resumable': version });
      expect(res.status, version).toBe(204);
      expect(res.headers.get('tus-version'), version).toBe('1.0.0');
    }
  });

  it('core/Tus-Extension: MUST be a comma-separated list of the supported extensions', async () => {
    const res = await tus.options();
    const extensions = res.headers.get('tus-extension')!.split(',');
    for (const name of extensions) expect(name).toMatch(/^[a-z0-9-]+$/);
    expect(new Set(extensions).size).toBe(extensions.length);
  });

  it('core/Tus-Max-Size: MUST be a non-negative integer; SHOULD be set when there is a hard limit', async () => {
    const res = await tus.options();
    expect(res.headers.get('tus-max-size')).toBe(String(MAX));
  });

  // --- Tus-Resumable ---------------------------------------------------------------------------

  it('core/Tus-Resumable: MUST be in every successful response except OPTIONS (201, 200, 204)', async () => {
    const created = await tus.create({ 'Upload-Length': '10' });
    expectTusResumable(created, 'POST');
    const url = created.headers.get('location')!;
    expectTusResumable(await tus.head(url), 'HEAD');
    expectTusResumable(await tus.patch(url, 0, 'hello'), 'PATCH');
    expectTusResumable(await tus.delete(url), 'DELETE');
  });

  it('core/Tus-Resumable: MUST be in every error response Airlock writes (400, 401, 404, 409, 410, 413, 415)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expectTusError(await tus.patch(url, -1, 'x'), 400, 'negative offset');
    expectTusError(await tus.patch(url, 0, 'x', { 'Upload-Offset': undefined }), 400, 'no offset');
    expectTusError(await fetch(new URL(url, stack.url), { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } }), 401, 'no token');
    expectTusError(await tus.head(UNKNOWN), 404, 'unknown');
    expectTusError(await bob.head(url), 404, "another user's");
    expectTusError(await tus.patch(url, 3, 'x'), 409, 'wrong offset');
    expectTusError(await tus.create({ 'Upload-Length': String(MAX + 1) }), 413, 'too large');
    expectTusError(await tus.patch(url, 0, 'x'.repeat(11)), 413, 'past the length');
    const rejected = await tus.open({ 'Upload-Length': String(PDF.length) });
    expectTusError(await tus.patch(rejected, 0, PDF), 415, 'type at the door');
    expectTusError(await tus.head(rejected), 410, 'rejected');
    await tus.delete(url);
    expectTusError(await tus.head(url), 410, 'terminated');
  });

  it('core/Tus-Resumable: MUST be in a 429 (rate limited) response', async () => {
    const limited = await stack.startApi({ RATE_LIMIT_PER_MINUTE: '2' });
    const client = tusClient(limited.url, await stack.token('rate-limited'));
    // 2 a minute: the third request is refused (up to 10 tries, in case a window turns over).
    let last: Response | undefined;
    for (let i = 0; i < 10 && last?.status !== 429; i += 1) last = await client.head(UNKNOWN);
    expectTusError(last!, 429);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    await limited.proc.stop();
  });

  it('core/Tus-Resumable: MUST be in every response, the JSON GET /uploads/:id included', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expectTusResumable(await tus.send('GET', url), 'GET');
  });

  it('core/Tus-Resumable: an unsupported version MUST get 412 with Tus-Version, and MUST NOT be processed', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await tus.patch(url, 0, 'hello', { 'Tus-Resumable': '0.2.2' });
    expectTusError(res, 412, 'PATCH 0.2.2');
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('0');
  });

  it('core/Tus-Resumable: a request without it is refused (412 with Tus-Version) and not processed', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await tus.patch(url, 0, 'hello', { 'Tus-Resumable': undefined });
    expectTusError(res, 412);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('0');
  });

  it('core/Tus-Resumable: MUST NOT process an unsupported version on a finished upload either (HEAD, PATCH)', async () => {
    const url = await tus.finished('hello');
    const head = await tus.head(url, { 'Tus-Resumable': '0.2.2' });
    expect(head.status).toBe(412);
    expect(head.headers.get('tus-version')).toBe('1.0.0');
    expect(head.headers.get('upload-offset')).toBeNull();
    expect((await tus.patch(url, 5, '', { 'Tus-Resumable': '0.2.2' })).status).toBe(412);
  });

  // --- HEAD ------------------------------------------------------------------------------------

  it('core/HEAD: MUST include Upload-Offset, even when it is 0', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await tus.head(url);
    expect(res.headers.get('upload-offset')).toBe('0');
    await tus.patch(url, 0, 'hel');
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('3');
  });

  it('core/HEAD: MUST include Upload-Offset when the upload is completed (answered from the database)', async () => {
    const url = await tus.finished('hello');
    const res = await tus.head(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('upload-offset')).toBe('5');
    expect(res.headers.get('upload-length')).toBe('5');
  });

  it('core/HEAD: MUST include Upload-Length when the length is known', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expect((await tus.head(url)).headers.get('upload-length')).toBe('10');
  });

  it('core/HEAD: SHOULD answer a successful HEAD with 200 or 204', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expect([200, 204]).toContain((await tus.head(url)).status);
  });

  it('core/HEAD: MUST send Cache-Control: no-store (open and finished uploads)', async () => {
    const open = await tus.open({ 'Upload-Length': '10' });
    expect((await tus.head(open)).headers.get('cache-control')).toBe('no-store');
    const finished = await tus.finished('hello');
    expect((await tus.head(finished)).headers.get('cache-control')).toBe('no-store');
  });

  it('core/HEAD: a resource not found SHOULD get 404, 410 or 403 without Upload-Offset', async () => {
    const terminated = await tus.open({ 'Upload-Length': '10' });
    await tus.delete(terminated);
    const mine = await tus.open({ 'Upload-Length': '10' });
    for (const [what, res] of [
      ['unknown id', await tus.head(UNKNOWN)],
      ["another user's", await bob.head(mine)],
      ['terminated', await tus.head(terminated)],
    ] as const) {
      expect([403, 404, 410], what).toContain(res.status);
      expect(res.headers.get('upload-offset'), what).toBeNull();
    }
  });

  // --- PATCH -----------------------------------------------------------------------------------

  it('core/PATCH: MUST answer 204 with the new Upload-Offset = old offset + bytes stored', async () => {
    const url = await tus.open({ 'Upload-Length': '11' });
    const first = await tus.patch(url, 0, 'hello');
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('5');
    const second = await tus.patch(url, 5, ' world');
    expect(second.status).toBe(204);
    expect(second.headers.get('upload-offset')).toBe('11');
  });

  it('core/PATCH: a wrong Upload-Offset MUST get 409 and leave the upload unmodified (Airlock adds the server offset)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    await tus.patch(url, 0, 'abc');
    for (const offset of [0, 2, 4]) {
      const res = await tus.patch(url, offset, 'zzz');
      expectTusError(res, 409, `offset ${offset}`);
      expect(res.headers.get('upload-offset')).toBe('3');
    }
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('3');
  });

  it('core/PATCH: Upload-Offset MUST be a non-negative integer (400 otherwise, nothing written)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    for (const offset of ['-1', 'abc', '1.5', '']) {
      expect((await tus.send('PATCH', url, { 'Upload-Offset': offset, 'Content-Type': OFFSET_OCTETS }, 'x')).status, offset).toBe(400);
    }
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('0');
  });

  it('core/PATCH: a PATCH without Upload-Offset is a 400 (Airlock; @tus/server would say 403)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expectTusError(await tus.patch(url, 0, 'x', { 'Upload-Offset': undefined }), 400);
  });

  it('core/PATCH: a Content-Type other than application/offset+octet-stream SHOULD get 415', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expectTusError(await tus.patch(url, 0, 'hello', { 'Content-Type': 'text/plain' }), 415, 'text/plain');
    expectTusError(await tus.patch(url, 0, 'hello', { 'Content-Type': undefined }), 415, 'none');
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('0');
  });

  it('core/PATCH: a PATCH to a non-existent upload SHOULD get 404', async () => {
    expectTusError(await tus.patch(UNKNOWN, 0, 'x'), 404);
  });

  it('core/PATCH: the Server SHOULD store as much of the received data as possible (an interrupted PATCH)', async () => {
    const url = await tus.open({ 'Upload-Length': '200000' });
    const request = slowRequest(stack.url, 'PATCH', new URL(url, stack.url).pathname, {
      Authorization: `Bearer ${await stack.token('alice')}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': OFFSET_OCTETS,
      'Content-Length': '200000',
    });
    request.write(Buffer.alloc(120_000, 'a'));
    // Cut the connection once the bytes are on the server's disk (quarantine/<id>), mid-body.
    const file = path.join(stack.dataDir, 'quarantine', url.slice(url.lastIndexOf('/') + 1));
    await waitFor(
      async () => (fs.existsSync(file) ? fs.statSync(file).size : 0),
      (size) => size === 120_000,
      { what: 'bytes on disk' },
    );
    request.destroy();
    const offset = await waitFor(
      async () => (await tus.head(url)).headers.get('upload-offset'),
      (value) => value === '120000',
      { what: 'the interrupted PATCH kept what arrived' },
    );
    expect(offset).toBe('120000');
    expect((await tus.patch(url, 120_000, Buffer.alloc(80_000, 'a'))).status).toBe(204);
  });

  // --- Airlock's own answers on the tus endpoint ------------------------------------------------

  it('core/auth (Airlock): 401 before anything else, with Tus-Resumable and WWW-Authenticate', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await fetch(new URL(url, stack.url), {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': OFFSET_OCTETS },
      body: 'hello',
    });
    expectTusError(res, 401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('0');
  });

  it('core/finished (Airlock): PATCH past the length of a finished upload is 413; a wrong offset 409 with Upload-Offset; an empty PATCH at the end 204', async () => {
    const url = await tus.finished('hello');
    const past = await tus.patch(url, 5, 'more');
    expectTusError(past, 413);
    expect(past.headers.get('upload-offset')).toBe('5');
    const wrong = await tus.patch(url, 2, 'x');
    expectTusError(wrong, 409);
    expect(wrong.headers.get('upload-offset')).toBe('5');
    const resume = await tus.patch(url, 5, '');
    expect(resume.status).toBe(204);
    expect(resume.headers.get('upload-offset')).toBe('5');
  });

  it('core/GET (Airlock): GET of an upload is its JSON status, never its bytes', async () => {
    const url = await tus.finished('hello');
    const res = await tus.send('GET', url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ bytes_received: 5, total_size: 5 });
  });

  it('core/rejected (Airlock): a type refused at the door is 415, then 410 without Upload-Offset on every method', async () => {
    const url = await tus.open({ 'Upload-Length': String(PDF.length), 'Upload-Metadata': `filename ${b64('x.pdf')}` });
    expectTusError(await tus.patch(url, 0, PDF), 415);
    for (const res of [await tus.head(url), await tus.patch(url, PDF.length, ''), await tus.delete(url)]) {
      expectTusError(res, 410);
      expect(res.headers.get('upload-offset')).toBeNull();
    }
    expect(await tus.status(url)).toMatchObject({ status: 'rejected' });
  });

  // --- X-HTTP-Method-Override --------------------------------------------------------------------

  it('core/X-HTTP-Method-Override: MUST be taken as the method (POST sent as PATCH)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await tus.send('POST', url, { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '0', 'Content-Type': OFFSET_OCTETS }, 'hello');
    expect(res.status).toBe(204);
    expect(res.headers.get('upload-offset')).toBe('5');
    expectTusResumable(res);
  });

  it('core/X-HTTP-Method-Override: MUST be taken as the method (POST sent as DELETE)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await tus.send('POST', url, { 'X-HTTP-Method-Override': 'DELETE' });
    expect(res.status).toBe(204);
    expect((await tus.head(url)).status).toBe(410);
  });

  it('core/X-HTTP-Method-Override: MUST be taken as the method (GET and POST sent as HEAD)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    await tus.patch(url, 0, 'abc');
    for (const method of ['GET', 'POST']) {
      const res = await tus.send(method, url, { 'X-HTTP-Method-Override': 'HEAD' });
      expect(res.status, method).toBe(200);
      expect(res.headers.get('upload-offset'), method).toBe('3');
      expect(res.headers.get('cache-control'), method).toBe('no-store');
    }
  });

  it('core/X-HTTP-Method-Override: MUST be taken as the method (GET and POST sent as OPTIONS)', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${stack.url}/uploads`, { method, headers: { 'X-HTTP-Method-Override': 'OPTIONS' } });
      expect(res.status, method).toBe(204);
      expect(res.headers.get('tus-version'), method).toBe('1.0.0');
    }
  });

  it('core/X-HTTP-Method-Override: the actual method MUST be ignored (PUT/GET sent as PATCH, PATCH sent as DELETE)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const put = await tus.send('PUT', url, { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '0', 'Content-Type': OFFSET_OCTETS }, 'hello');
    expect(put.status, 'PUT as PATCH').toBe(204);
    const del = await tus.send('PATCH', url, { 'X-HTTP-Method-Override': 'DELETE', 'Upload-Offset': '5', 'Content-Type': OFFSET_OCTETS }, 'world');
    expect(del.status, 'PATCH as DELETE').toBe(204);
    expect((await tus.head(url)).status, 'terminated').toBe(410);
  });

  it('core/X-HTTP-Method-Override: overridden requests pass the same authentication and ownership checks', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const asBob = await bob.send('POST', url, { 'X-HTTP-Method-Override': 'DELETE' });
    expectTusError(asBob, 404);
    const anonymous = await fetch(new URL(url, stack.url), { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'X-HTTP-Method-Override': 'DELETE' } });
    expectTusError(anonymous, 401);
    expect((await tus.head(url)).status).toBe(200);
  });
});
