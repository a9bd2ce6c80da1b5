import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusHeaders } from '../support/http.js';
import { ELF } from '../support/samples.js';
import { slowRequest } from '../support/slow-body.js';
import { startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

/**
 * Issue #19, item 3: a creation that ends in an error leaves no row, no reservation and no
 * bytes. Before, a creation-with-upload whose body ran past its Upload-Length answered 413 and
 * kept its row and its whole reservation (ten of them blocked a 10 GiB quota for a day).
 */
describe('a creation that fails leaves nothing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: 'text/plain', QUOTA_BYTES: String(10 * 1024 ** 2) } });
  });
  afterAll(() => stack?.stop());

  /** The user's usage, the files the listing shows, and what quarantine holds. */
  const leftovers = async (token: string) => {
    const me = (await (await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      reserved_bytes: number;
      used_bytes: number;
    };
    const files = (await (await fetch(`${stack.url}/files`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { items: unknown[] };
    const quarantine = path.join(stack.dataDir, 'quarantine');
    const stored = fs.existsSync(quarantine) ? fs.readdirSync(quarantine) : [];
    return { reserved: me.reserved_bytes, used: me.used_bytes, files: files.items.length, stored };
  };
  const nothing = { reserved: 0, used: 0, files: 0, stored: [] };

  const createWith = (token: string, length: number, body: Uint8Array<ArrayBuffer>, extra: Record<string, string> = {}) =>
    fetch(`${stack.url}/uploads`, {
      method: 'POST',
      headers: tusHeaders(token, { 'Upload-Length': String(length), 'Content-Type': 'application/offset+octet-stream', ...extra }),
      body,
    });

  it('a body longer than its Upload-Length: 413, and no row, reservation or bytes', async () => {
    const token = await stack.token('over');
    const res = await createWith(token, 1024 ** 2, new Uint8Array(Buffer.alloc(1024 ** 2 + 10, 'a')));
    expect(res.status).toBe(413);
    expect(res.headers.get('location')).toBeNull();
    expect(await leftovers(token)).toEqual(nothing);
  });

  it('a type refused at the door: 415, and no row, reservation or bytes', async () => {
    const token = await stack.token('elf');
    const res = await createWith(token, ELF.length, new Uint8Array(ELF));
    expect(res.status).toBe(415);
    expect(await leftovers(token)).toEqual(nothing);
  });

  it('bad metadata or lengths (400) and over quota (413) never create anything', async () => {
    const token = await stack.token('bad');
    expect((await createWith(token, 5, new Uint8Array(Buffer.from('hello')), { 'Upload-Metadata': 'filename !!!notbase64' })).status).toBe(400);
    expect((await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Length': '-1' }) })).status).toBe(400);
    expect((await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Length': String(11 * 1024 ** 2) }) })).status).toBe(413);
    expect(await leftovers(token)).toEqual(nothing);
  });

  it('a connection dropped during creation-with-upload leaves nothing', async () => {
    const token = await stack.token('dropper');
    const request = slowRequest(
      stack.url,
      'POST',
      '/uploads',
      tusHeaders(token, {
        'Upload-Length': '100000',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': '100000',
      }),
    );
    request.write(Buffer.alloc(70_000, 'a'));
    // The row and the reservation exist while the body is on its way…
    await waitFor(
      () => leftovers(token),
      (seen) => seen.reserved === 100_000,
      { timeoutMs: 10_000 },
    );
    request.destroy();
    // …and are gone once the request has failed.
    await waitFor(
      () => leftovers(token),
      (seen) => JSON.stringify(seen) === JSON.stringify(nothing),
      { timeoutMs: 10_000, what: 'nothing left' },
    );
  });

  it('a successful creation-with-upload is kept (the control case)', async () => {
    const token = await stack.token('fine');
    const res = await createWith(token, 5, new Uint8Array(Buffer.from('hello')));
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('5');
    expect((await leftovers(token)).files).toBe(1);
  });
});
