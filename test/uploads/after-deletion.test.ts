import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, tusHeaders, uploadBytes, waitForStatus } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { slowRequest } from '../support/slow-body.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

/** Issue #19, item 7: an upload whose file is gone says so on every method, never with a 500. */
describe('an upload after its file is deleted, and bytes past a finished upload', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  const deleteFile = (fileId: string) => fetch(`${stack.url}/files/${fileId}`, { method: 'DELETE', headers: tusHeaders(token) });

  it('answers 410 with Tus-Resumable on HEAD, PATCH and DELETE, and GET /uploads/:id says it is gone', async () => {
    const done = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
    await waitForStatus(stack.url, token, done.upload_id, ['complete']);
    expect((await deleteFile(done.file_id)).status).toBe(204);
    const calls: Array<[string, Record<string, string>, Uint8Array<ArrayBuffer>?]> = [
      ['HEAD', {}],
      ['PATCH', { 'Upload-Offset': String(PNG.length), 'Content-Type': 'application/offset+octet-stream' }, new Uint8Array(3)],
      ['DELETE', {}],
    ];
    for (const [method, headers, body] of calls) {
      const res = await fetch(done.upload_url, { method, headers: tusHeaders(token, headers), ...(body ? { body } : {}) });
      expect(res.status, method).toBe(410);
      expect(res.headers.get('tus-resumable'), method).toBe('1.0.0');
    }
    const json = await fetch(`${stack.url}/uploads/${done.upload_id}`, { headers: tusHeaders(token) });
    expect(json.status).toBe(410);
    expect(((await json.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'gone',
      message: expect.stringContaining('deleted'),
    });
  });

  it('refuses bytes past the length of a finished upload (413) and a wrong offset (409), never a silent 204', async () => {
    const done = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
    await waitForStatus(stack.url, token, done.upload_id, ['complete']);
    const past = await patch(done.upload_url, token, PNG.length, new Uint8Array(5));
    expect(past.status).toBe(413);
    expect(past.headers.get('upload-offset')).toBe(String(PNG.length));
    const wrong = await patch(done.upload_url, token, 3, new Uint8Array(5));
    expect(wrong.status).toBe(409);
    expect(wrong.headers.get('upload-offset')).toBe(String(PNG.length));
    // An empty PATCH at the end is what a client resuming a finished upload sends: 204.
    expect((await patch(done.upload_url, token, PNG.length, new Uint8Array(0))).status).toBe(204);
  });

  it('ends a PATCH racing DELETE /files/:id without a 500, and never accepts the whole body (10 rounds)', async () => {
    for (let round = 0; round < 10; round += 1) {
      const { body } = await createUpload(stack.url, token, 200_000);
      const up = body as { upload_url: string; file_id: string };
      const request = slowRequest(
        stack.url,
        'PATCH',
        new URL(up.upload_url).pathname,
        tusHeaders(token, {
          'Upload-Offset': '0',
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': '200000',
        }),
      );
      request.write(Buffer.alloc(100_000, 'a'));
      // Vary the moment of the delete: before, during and after the first bytes land.
      await new Promise((resolve) => setTimeout(resolve, round % 5));
      // The delete takes the upload's lock: the PATCH holding it is asked to stop (it ends with
      // what it wrote, or 410 when its upload went under it), then the file goes.
      const deleted = await deleteFile(up.file_id);
      request.write(Buffer.alloc(100_000, 'a'));
      request.end();
      const outcome = await request.response;
      expect([204, 404].includes(deleted.status), `DELETE answered ${deleted.status}`).toBe(true);
      if (!('error' in outcome)) {
        expect(outcome.status, `round ${round}`).toBeLessThan(500);
        // The second half was sent after the delete: it is never accepted.
        if (outcome.status === 204) expect(Number(outcome.headers['upload-offset']), `round ${round}`).toBeLessThan(200_000);
      }
      // Whatever the PATCH saw, the upload is gone afterwards.
      expect((await fetch(up.upload_url, { method: 'HEAD', headers: tusHeaders(token) })).status, `round ${round}`).toBe(410);
    }
  });
});
