import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, tusHeaders } from '../support/http.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

/**
 * Issue #12, item 1: the tus layer acts on the upload id Express routed and checked, and on
 * nothing else. @tus/server 2.4.5 takes the last `/` segment of the whole URL, query
 * included, so `PATCH /uploads/<mine>?x=/<victim>` used to write into the victim's upload,
 * HEAD used to answer the victim's metadata and DELETE used to terminate it.
 */
describe("an upload id smuggled into a URL of one's own upload", () => {
  let stack: Stack;
  let alice: string;
  let mallory: string;
  let victim: string;
  let mine: string;
  const SECRET_NAME = 'victim-secret-plans.txt';
  const encodedName = Buffer.from(SECRET_NAME).toString('base64');

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    alice = await stack.token('alice');
    mallory = await stack.token('mallory');
    const created = await createUpload(stack.url, alice, 100, { 'Upload-Metadata': `filename ${encodedName}` });
    const body = created.body as { upload_id: string; upload_url: string };
    victim = body.upload_id;
    expect((await patch(body.upload_url, alice, 0, new TextEncoder().encode('alice-0123'))).status).toBe(204);
    mine = ((await createUpload(stack.url, mallory, 1000)).body as { upload_id: string }).upload_id;
  });
  afterAll(() => stack?.stop());

  /** Every shape of URL that names `mine` in its path and `victim` somewhere else. */
  const disguises = () => [
    `/uploads/${mine}?x=/${victim}`,
    `/uploads/${mine}?/${victim}`,
    `/uploads/${mine}?x=%2F${victim}`,
    `/uploads/${mine}#/${victim}`,
    `/uploads/${mine}/?x=/${victim}`,
    `/uploads/${mine};x=/${victim}`,
    `/uploads/${mine}%2F${victim}`,
    `/uploads/${mine}%3F/${victim}`,
    `/uploads/${mine}%3Fx=%2F${victim}`,
    `/uploads/${mine}%252F${victim}`,
    `/uploads/${mine}/${victim}`,
    `/uploads/${mine}//${victim}`,
    `//uploads/${mine}?x=/${victim}`,
    `/uploads//${mine}?x=/${victim}`,
    `/uploads/${victim}/../${mine}`,
    `/uploads/${mine}/..%2F${victim}`,
  ];

  /** The victim's upload is exactly as Alice left it, and she still reaches it. */
  const victimUntouched = async () => {
    expect(await status(stack.url, alice, victim)).toMatchObject({ status: 'uploading', bytes_received: 10, total_size: 100 });
    const head = await fetch(`${stack.url}/uploads/${victim}`, { method: 'HEAD', headers: tusHeaders(alice) });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('10');
    expect(head.headers.get('upload-metadata')).toContain(encodedName);
  };

  /** Nothing of the victim's appears in what Mallory got back. */
  const revealsNothing = (res: RawResponse) => {
    const text = JSON.stringify(res.headers) + res.body;
    expect(text).not.toContain(encodedName);
    expect(text).not.toContain(SECRET_NAME);
    expect(text).not.toContain(victim);
  };

  it('HEAD never answers with the victim’s offset or metadata', async () => {
    for (const path of disguises()) {
      const res = await rawRequest(stack.url, 'HEAD', path, tusHeaders(mallory));
      revealsNothing(res);
      if (res.status === 200) expect(res.headers['upload-offset'], path).toBe('0');
    }
    await victimUntouched();
  });

  it('GET never answers with the victim’s upload', async () => {
    for (const path of disguises()) revealsNothing(await rawRequest(stack.url, 'GET', path, tusHeaders(mallory)));
    await victimUntouched();
  });

  it('PATCH never writes into the victim’s upload', async () => {
    for (const path of disguises()) {
      // Offset 10 is the victim's: a write routed to it would be accepted.
      const res = await rawRequest(
        stack.url,
        'PATCH',
        path,
        tusHeaders(mallory, { 'Upload-Offset': '10', 'Content-Type': 'application/offset+octet-stream' }),
        Buffer.from('mallory!'),
      );
      revealsNothing(res);
      expect(res.status, path).not.toBe(204);
    }
    await victimUntouched();
  });

  it('PATCH through X-HTTP-Method-Override never writes into the victim’s upload', async () => {
    for (const path of disguises()) {
      const headers = tusHeaders(mallory, { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '10', 'Content-Type': 'application/offset+octet-stream' });
      const res = await rawRequest(stack.url, 'POST', path, headers, Buffer.from('mallory!'));
      revealsNothing(res);
      expect(res.status, path).not.toBe(204);
    }
    await victimUntouched();
  });

  it('DELETE (plain and overridden) never terminates the victim’s upload', async () => {
    for (const path of disguises()) {
      revealsNothing(await rawRequest(stack.url, 'POST', path, tusHeaders(mallory, { 'X-HTTP-Method-Override': 'DELETE' })));
      await victimUntouched();
    }
    for (const path of disguises()) {
      revealsNothing(await rawRequest(stack.url, 'DELETE', path, tusHeaders(mallory)));
      await victimUntouched();
    }
  });

  it('a final upload (Upload-Concat) never takes the victim’s bytes, however its URLs are written', async () => {
    // Alice's partial upload, finished: exactly what a final upload could take.
    const part = (await createUpload(stack.url, alice, 5, { 'Upload-Concat': 'partial' })).body as { upload_id: string; upload_url: string };
    expect((await patch(part.upload_url, alice, 0, new TextEncoder().encode('abcde'))).status).toBe(204);
    const own = (await createUpload(stack.url, mallory, 4, { 'Upload-Concat': 'partial' })).body as { upload_id: string; upload_url: string };
    expect((await patch(own.upload_url, mallory, 0, new TextEncoder().encode('wxyz'))).status).toBe(204);
    const lists = [
      `final;/uploads/${part.upload_id}`,
      `final;${stack.url}/uploads/${part.upload_id}`,
      `final;/uploads/${own.upload_id}?x=/${part.upload_id}`,
      `final;/uploads/${own.upload_id}%2F..%2F${part.upload_id}`,
      `final;/uploads/${own.upload_id}/../${part.upload_id}`,
      `final;/uploads/${own.upload_id}#/${part.upload_id}`,
    ];
    for (const list of lists) {
      const res = await rawRequest(stack.url, 'POST', '/uploads', tusHeaders(mallory, { 'Upload-Concat': list }));
      expect(JSON.stringify(res.headers) + res.body).not.toContain(SECRET_NAME);
      if (res.status === 201) {
        // Only Mallory's own partial can have been taken.
        const created = JSON.parse(res.body) as { upload_id: string };
        expect((await status(stack.url, mallory, created.upload_id)).total_size, list).toBe(4);
      }
    }
    // Alice's partial is still hers, whole and open.
    expect(await status(stack.url, alice, part.upload_id)).toMatchObject({ bytes_received: 5, total_size: 5 });
    await victimUntouched();
  });
});
