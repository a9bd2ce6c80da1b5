import { describe, expect, it } from 'vitest';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { b64, expectTusError, OFFSET_OCTETS, userClient } from '../support/tus-raw.js';

/** tus 1.0.0, "Creation" extension, deferred length (docs/TUS-CONFORMANCE.md, section creation-defer-length). */
const MAX = 1024 * 1024;

describe('tus creation-defer-length', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS, MAX_UPLOAD_SIZE: String(MAX), CHUNK_SIZE: String(64 * 1024) } });
  const tus = userClient(stack, 'alice');

  const deferred = (headers: Record<string, string> = {}) => tus.open({ 'Upload-Defer-Length': '1', ...headers });

  it('creation-defer-length/OPTIONS: MUST add creation-defer-length to Tus-Extension', async () => {
    expect((await tus.options()).headers.get('tus-extension')!.split(',')).toContain('creation-defer-length');
  });

  it('creation-defer-length/Upload-Defer-Length: any value other than 1 SHOULD get 400', async () => {
    for (const value of ['0', '2', 'true', '']) {
      const res = await tus.create({ 'Upload-Defer-Length': value });
      expectTusError(res, 400, value);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('creation-defer-length/HEAD: while the length is unknown, MUST send Upload-Defer-Length: 1 (and no Upload-Length)', async () => {
    const url = await deferred({ 'Upload-Metadata': `filename ${b64('stream.bin')}` });
    for (const expected of ['0', '5']) {
      const head = await tus.head(url);
      expect(head.headers.get('upload-defer-length')).toBe('1');
      expect(head.headers.get('upload-length')).toBeNull();
      expect(head.headers.get('upload-offset')).toBe(expected);
      expect(head.headers.get('cache-control')).toBe('no-store');
      expect(head.headers.get('upload-metadata')).toBe(`filename ${b64('stream.bin')}`);
      if (expected === '0') expect((await tus.patch(url, 0, 'hello')).status).toBe(204);
    }
  });

  it('creation-defer-length/PATCH: the client sets Upload-Length in a later PATCH; HEAD then has Upload-Length, not Upload-Defer-Length', async () => {
    const url = await deferred();
    await tus.patch(url, 0, 'hello');
    const declare = await tus.patch(url, 5, ' wo', { 'Upload-Length': '11' });
    expect(declare.status).toBe(204);
    expect(declare.headers.get('upload-offset')).toBe('8');
    const head = await tus.head(url);
    expect(head.headers.get('upload-length')).toBe('11');
    expect(head.headers.get('upload-defer-length')).toBeNull();
    expect((await tus.patch(url, 8, 'rld')).status).toBe(204);
    const done = await tus.head(url);
    expect(done.headers.get('upload-length')).toBe('11');
    expect(done.headers.get('upload-offset')).toBe('11');
    expect(done.headers.get('upload-defer-length')).toBeNull();
  });

  it('creation-defer-length/PATCH: once set, the length MUST NOT change (another Upload-Length is refused, the length stays)', async () => {
    const url = await deferred();
    await tus.patch(url, 0, 'hello', { 'Upload-Length': '10' });
    for (const length of ['12', '10']) {
      expectTusError(await tus.patch(url, 5, 'x', { 'Upload-Length': length }), 400, length);
    }
    const head = await tus.head(url);
    expect(head.headers.get('upload-length')).toBe('10');
    expect(head.headers.get('upload-offset')).toBe('5');
  });

  it('creation-defer-length/PATCH: a declared length below the offset is refused (400)', async () => {
    const url = await deferred();
    await tus.patch(url, 0, 'hello');
    expectTusError(await tus.patch(url, 5, '', { 'Upload-Length': '3' }), 400);
    expect((await tus.head(url)).headers.get('upload-defer-length')).toBe('1');
  });

  it('creation-defer-length/PATCH: a declared length over Tus-Max-Size is 413; so are bytes past MAX_UPLOAD_SIZE', async () => {
    const url = await deferred();
    expectTusError(await tus.patch(url, 0, '', { 'Upload-Length': String(MAX + 1) }), 413, 'declared');
    const other = await deferred();
    expectTusError(await tus.patch(other, 0, Buffer.alloc(MAX + 1)), 413, 'bytes');
  });

  it('creation-defer-length/PATCH: bytes past the declared length are 413, nothing appended', async () => {
    const url = await deferred();
    await tus.patch(url, 0, 'hello', { 'Upload-Length': '6' });
    expectTusError(await tus.patch(url, 5, 'xyz'), 413);
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('5');
  });

  it('creation-defer-length/PATCH: an empty PATCH that declares Upload-Length = offset finishes the upload', async () => {
    const url = await deferred();
    await tus.patch(url, 0, 'hello');
    const last = await tus.patch(url, 5, '', { 'Upload-Length': '5' });
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe('5');
    expect(await tus.status(url)).toMatchObject({ bytes_received: 5, total_size: 5 });
    expect(['pending', 'uploading']).not.toContain((await tus.status(url)).status);
  });

  it('creation-defer-length/X-HTTP-Method-Override: Upload-Length declared through POST overridden to PATCH', async () => {
    const url = await deferred();
    const res = await tus.send(
      'POST',
      url,
      { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '0', 'Upload-Length': '5', 'Content-Type': OFFSET_OCTETS },
      'hello',
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('upload-offset')).toBe('5');
    expect((await tus.head(url)).headers.get('upload-length')).toBe('5');
  });
});
