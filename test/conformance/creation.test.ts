import { describe, expect, it } from 'vitest';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { b64, expectTusError, expectTusResumable, tusClient, userClient } from '../support/tus-raw.js';
import { waitFor } from '@airlock/testing';

/** tus 1.0.0, "Creation" extension (docs/TUS-CONFORMANCE.md, section creation). */
const MAX = 1024 * 1024;

describe('tus creation', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS, MAX_UPLOAD_SIZE: String(MAX), CHUNK_SIZE: String(64 * 1024) } });
  const tus = userClient(stack, 'alice');

  it('creation/OPTIONS: MUST add creation to Tus-Extension', async () => {
    expect((await tus.options()).headers.get('tus-extension')!.split(',')).toContain('creation');
  });

  it('creation/POST: MUST answer 201 with Location, the URL of the new upload', async () => {
    const res = await tus.create({ 'Upload-Length': '100' });
    expect(res.status).toBe(201);
    expectTusResumable(res);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${stack.url}/uploads/[0-9a-f]{32}$`));
    expect((await tus.head(location)).status).toBe(200);
  });

  it('creation/POST: Location MAY be relative (Airlock: relative unless PUBLIC_URL is set)', async () => {
    const other = await stack.startApi({ PUBLIC_URL: '' });
    const client = tusClient(other.url, await stack.token('alice'));
    const res = await client.create({ 'Upload-Length': '10' });
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/uploads\/[0-9a-f]{32}$/);
    // Resolved against the creation URL, as a client does.
    expect((await client.head(new URL(location, `${other.url}/uploads`).href)).headers.get('upload-offset')).toBe('0');
    await other.proc.stop();
  });

  it('creation/POST: the new upload has an implicit offset of 0', async () => {
    const url = await tus.open({ 'Upload-Length': '100' });
    const head = await tus.head(url);
    expect(head.headers.get('upload-offset')).toBe('0');
    expect(head.headers.get('upload-length')).toBe('100');
  });

  it('creation/POST: MUST carry Upload-Length or Upload-Defer-Length: 1 (neither, or both → 400, nothing created)', async () => {
    for (const headers of [{}, { 'Upload-Length': '10', 'Upload-Defer-Length': '1' }]) {
      const res = await tus.create(headers);
      expectTusError(res, 400, JSON.stringify(headers));
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('creation/Upload-Length: MUST be a non-negative integer (400 otherwise)', async () => {
    for (const length of ['-1', 'abc', '1.5', '1e3', '']) {
      const res = await tus.create({ 'Upload-Length': length });
      expectTusError(res, 400, length);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('creation/POST: a length over the maximum (Tus-Max-Size) MUST get 413', async () => {
    const res = await tus.create({ 'Upload-Length': String(MAX + 1) });
    expectTusError(res, 413);
    expect(res.headers.get('location')).toBeNull();
    expect((await tus.create({ 'Upload-Length': String(MAX) })).status).toBe(201);
  });

  it('creation/POST (Airlock): a length over the remaining quota is 413 too', async () => {
    const small = await stack.startApi({ QUOTA_BYTES: String(MAX / 2) });
    const client = tusClient(small.url, await stack.token('quota-user'));
    expectTusError(await client.create({ 'Upload-Length': String(MAX / 2 + 1) }), 413);
    await small.proc.stop();
  });

  it('creation/POST: Upload-Length 0 is an empty file, complete at creation without any PATCH', async () => {
    const url = await tus.open({ 'Upload-Length': '0' });
    const head = await tus.head(url);
    expect(head.headers.get('upload-offset')).toBe('0');
    expect(head.headers.get('upload-length')).toBe('0');
    const status = await tus.status(url);
    expect(status.total_size).toBe(0);
    expect(['pending', 'uploading']).not.toContain(status.status);
  });

  it('creation/HEAD: MUST include Upload-Metadata as given at creation (open upload)', async () => {
    const metadata = `filename ${b64('report.txt')},flag,filetype ${b64('text/plain')}`;
    const url = await tus.open({ 'Upload-Length': '10', 'Upload-Metadata': metadata });
    expect((await tus.head(url)).headers.get('upload-metadata')).toBe(metadata);
  });

  it('creation/HEAD: MUST include Upload-Metadata as given at creation (finished upload)', async () => {
    const metadata = `filename ${b64('report.txt')},flag,project ${b64('ärger & co')}`;
    const url = await tus.finished('hello', { 'Upload-Metadata': metadata });
    const head = await tus.head(url);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-metadata')).toBe(metadata);
  });

  it('creation/HEAD: MUST include Upload-Metadata as given at creation (complete file, its bytes out of quarantine)', async () => {
    const worker = await stack.startWorker('worker');
    try {
      const metadata = `filename ${b64('notes.txt')},project ${b64('airlock')},flag`;
      const url = await tus.finished('hello, metadata', { 'Upload-Metadata': metadata });
      await waitFor(
        () => tus.status(url),
        (s) => s.status === 'complete',
        { timeoutMs: 60_000, intervalMs: 100, what: 'complete' },
      );
      const head = await tus.head(url);
      expect(head.status).toBe(200);
      expect(head.headers.get('upload-metadata')).toBe(metadata);
    } finally {
      await worker.stop();
    }
  });

  it('creation/Upload-Metadata: a key MAY have no value (the space MAY be left out)', async () => {
    const res = await tus.create({ 'Upload-Length': '10', 'Upload-Metadata': `is_confidential,filename ${b64('a.txt')}` });
    expect(res.status).toBe(201);
  });

  it('creation/Upload-Metadata: malformed metadata (empty key, duplicate key, value not base64) is refused with 400', async () => {
    for (const metadata of [`a ${b64('x')}, ${b64('y')}`, `a ${b64('x')},`, `a ${b64('x')},a ${b64('y')}`, 'filename not*base64', `key ${b64('x')} extra`]) {
      const res = await tus.create({ 'Upload-Length': '10', 'Upload-Metadata': metadata });
      expectTusError(res, 400, metadata);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('creation/Upload-Metadata: values SHOULD be validated or sanitised before use in headers (no header smuggling)', async () => {
    const metadata = `filename ${b64('a.txt\r\nX-Smuggled: 1')}`;
    const url = await tus.open({ 'Upload-Length': '10', 'Upload-Metadata': metadata });
    const head = await tus.head(url);
    expect(head.headers.get('x-smuggled')).toBeNull();
    expect(head.headers.get('upload-metadata')).toBe(metadata);
  });

  it('creation/POST (Airlock): 401 before anything else, with Tus-Resumable; nothing created', async () => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' } });
    expectTusError(res, 401);
    expect(res.headers.get('location')).toBeNull();
  });

  it('creation/POST (Airlock): the 201 carries the JSON body of the contract beside Location', async () => {
    const res = await tus.create({ 'Upload-Length': '10' });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.upload_url).toBe(res.headers.get('location'));
    expect(Object.keys(body).sort()).toEqual(['chunk_size', 'expires_at', 'file_id', 'upload_id', 'upload_url']);
  });
});
