import http from 'node:http';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { expectTusError, expectTusResumable, OFFSET_OCTETS, userClient } from '../support/tus-raw.js';

/** tus 1.0.0, "Creation With Upload" extension (docs/TUS-CONFORMANCE.md, section creation-with-upload). */
const MAX = 1024 * 1024;

/** A POST with `Expect: 100-continue` over node:http: did the server say 100 before its answer? */
function postExpecting(base: string, token: string, headers: Record<string, string>, body: Buffer) {
  const { hostname, port } = new URL(base);
  return new Promise<{ continued: boolean; status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    let continued = false;
    const req = http.request({
      host: hostname,
      port,
      method: 'POST',
      path: '/uploads',
      headers: {
        Authorization: `Bearer ${token}`,
        'Tus-Resumable': '1.0.0',
        'Content-Type': OFFSET_OCTETS,
        Expect: '100-continue',
        'Content-Length': String(body.length),
        Connection: 'close',
        ...headers,
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ continued, status: res.statusCode!, headers: res.headers }));
      if (!continued) req.destroy();
    });
    req.on('error', (error) => (continued ? reject(error) : undefined));
    req.flushHeaders();
  });
}

describe('tus creation-with-upload', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS, MAX_UPLOAD_SIZE: String(MAX), CHUNK_SIZE: String(64 * 1024) } });
  const tus = userClient(stack, 'alice');
  let token: string;
  beforeAll(async () => {
    token = await stack.token('alice');
  });

  it('creation-with-upload/OPTIONS: MUST advertise creation-with-upload, and only with creation', async () => {
    const extensions = (await tus.options()).headers.get('tus-extension')!.split(',');
    expect(extensions).toContain('creation-with-upload');
    expect(extensions).toContain('creation');
  });

  it('creation-with-upload/POST: MUST answer Upload-Offset = the offset after the bytes of the body', async () => {
    const res = await tus.create({ 'Upload-Length': '11' }, 'hello');
    expect(res.status).toBe(201);
    expectTusResumable(res);
    expect(res.headers.get('upload-offset')).toBe('5');
    const url = res.headers.get('location')!;
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('5');
    expect((await tus.patch(url, 5, ' world')).status).toBe(204);
  });

  it('creation-with-upload/POST: the whole file in the POST finishes the upload', async () => {
    const res = await tus.create({ 'Upload-Length': '5' }, 'hello');
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('5');
    const url = res.headers.get('location')!;
    expect(await tus.status(url)).toMatchObject({ bytes_received: 5, total_size: 5 });
    expect(['pending', 'uploading']).not.toContain((await tus.status(url)).status);
  });

  it('creation-with-upload/POST: with a deferred length, Upload-Offset is what was accepted', async () => {
    const res = await tus.create({ 'Upload-Defer-Length': '1' }, 'hello');
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('5');
    const head = await tus.head(res.headers.get('location')!);
    expect(head.headers.get('upload-defer-length')).toBe('1');
    expect(head.headers.get('upload-offset')).toBe('5');
  });

  it('creation-with-upload/POST (Airlock): a body longer than Upload-Length is 413 and creates nothing', async () => {
    const res = await tus.create({ 'Upload-Length': '3' }, 'hello');
    expectTusError(res, 413);
    expect(res.headers.get('location')).toBeNull();
  });

  it('creation-with-upload/POST (Airlock): a type refused at the door is 415 and creates nothing', async () => {
    const res = await tus.create({ 'Upload-Length': '20' }, '%PDF-1.4\n% refused\n');
    expectTusError(res, 415);
    expect(res.headers.get('location')).toBeNull();
  });

  it('creation-with-upload/POST (Airlock): Upload-Checksum applies to the body: a mismatch is 460 and creates nothing', async () => {
    const digest = createHash('sha1').update('hello').digest('base64');
    const bad = await tus.create({ 'Upload-Length': '5', 'Upload-Checksum': `sha1 ${digest}` }, 'hellO');
    expectTusError(bad, 460);
    expect(bad.headers.get('location')).toBeNull();
    const good = await tus.create({ 'Upload-Length': '5', 'Upload-Checksum': `sha1 ${digest}` }, 'hello');
    expect(good.status).toBe(201);
    expect(good.headers.get('upload-offset')).toBe('5');
  });

  it('creation-with-upload/Expect: a client SHOULD send Expect: 100-continue; the server answers 100 and then 201', async () => {
    const res = await postExpecting(stack.url, token, { 'Upload-Length': '5' }, Buffer.from('hello'));
    expect(res.continued).toBe(true);
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('5');
  });

  it('creation-with-upload/Expect: a creation the server will refuse SHOULD be refused before 100 Continue (early feedback)', async () => {
    const res = await postExpecting(stack.url, token, { 'Upload-Length': String(MAX + 1) }, Buffer.alloc(16));
    expect(res.status).toBe(413);
    expect(res.continued).toBe(false);
  });
});
