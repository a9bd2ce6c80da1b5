import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantinePath } from '../support/files.js';
import { createUpload, patch, status, tusHeaders } from '../support/http.js';
import { ELF, PNG } from '../support/samples.js';
import { startStack, type Stack } from '@airlock/testing/stack';

const digest = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest('base64');

describe('integrity at the door: checksums and types', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: 'image/*' } });
    token = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  async function newUpload(length: number) {
    const { body } = await createUpload(stack.url, token, length);
    return body as { upload_url: string; upload_id: string };
  }
  const offsetOf = async (url: string) => Number((await fetch(url, { method: 'HEAD', headers: tusHeaders(token) })).headers.get('upload-offset'));

  it('advertises the checksum extension and its algorithms', async () => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'OPTIONS' });
    expect(res.headers.get('tus-extension')?.split(',')).toContain('checksum');
    expect(res.headers.get('tus-checksum-algorithm')).toBe('sha1,md5,sha256');
  });

  it.each(['sha1', 'md5', 'sha256'])('keeps a chunk whose %s matches', async (algorithm) => {
    const up = await newUpload(PNG.length);
    const res = await patch(up.upload_url, token, 0, PNG, { 'Upload-Checksum': `${algorithm} ${digest(algorithm, PNG)}` });
    expect(res.status).toBe(204);
    expect(await offsetOf(up.upload_url)).toBe(PNG.length);
  });

  it('answers 460 for a checksum mismatch and keeps nothing of the chunk', async () => {
    const up = await newUpload(PNG.length * 2);
    expect((await patch(up.upload_url, token, 0, PNG)).status).toBe(204);
    const res = await patch(up.upload_url, token, PNG.length, PNG, { 'Upload-Checksum': `sha256 ${digest('sha256', Buffer.from('other'))}` });
    expect(res.status).toBe(460);
    expect(await offsetOf(up.upload_url)).toBe(PNG.length);
    expect(fs.statSync(quarantinePath(stack.dataDir, up.upload_id)).size).toBe(PNG.length);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ bytes_received: PNG.length, status: 'uploading' });
  });

  it.each([
    ['an unknown algorithm', { 'Upload-Checksum': `crc32 ${Buffer.alloc(4).toString('base64')}` }],
    ['a malformed header', { 'Upload-Checksum': 'sha256' }],
    ['a digest of the wrong length', { 'Upload-Checksum': `sha256 ${Buffer.alloc(5).toString('base64')}` }],
    ['a Content-MD5 mismatch', { 'Content-MD5': digest('md5', Buffer.from('other')) }],
  ])('answers 400 for %s and keeps nothing', async (_name, headers) => {
    const up = await newUpload(PNG.length);
    const res = await patch(up.upload_url, token, 0, PNG, headers);
    expect(res.status).toBe(400);
    expect(await offsetOf(up.upload_url)).toBe(0);
  });

  it('keeps a chunk whose Content-MD5 matches', async () => {
    const up = await newUpload(PNG.length);
    expect((await patch(up.upload_url, token, 0, PNG, { 'Content-MD5': digest('md5', PNG) })).status).toBe(204);
  });

  it('answers 415 when the first bytes show a type that is not allowed: rejected, bytes removed', async () => {
    const up = await newUpload(ELF.length);
    const res = await patch(up.upload_url, token, 0, ELF);
    expect(res.status).toBe(415);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ status: 'rejected', bytes_received: 0 });
    expect(fs.existsSync(quarantinePath(stack.dataDir, up.upload_id))).toBe(false);
    expect((await fetch(up.upload_url, { method: 'HEAD', headers: tusHeaders(token) })).status).toBe(410);
  });

  it.each([
    ['an executable', Buffer.concat([ELF, Buffer.alloc(6 * 1024 * 1024, 1)])],
    ['200 KiB of text', Buffer.from('plain text '.repeat(20_000))],
  ])('answers 415, not a broken connection, when the refused first chunk is large: %s', async (_name, big) => {
    const up = await newUpload(big.length);
    const res = await patch(up.upload_url, token, 0, new Uint8Array(big));
    expect(res.status).toBe(415);
    expect(fs.existsSync(quarantinePath(stack.dataDir, up.upload_id))).toBe(false);
  });

  it('checks the type on creation-with-upload too', async () => {
    const res = await fetch(`${stack.url}/uploads`, {
      method: 'POST',
      headers: tusHeaders(token, { 'Upload-Length': String(ELF.length), 'Content-Type': 'application/offset+octet-stream' }),
      body: ELF,
    });
    expect(res.status).toBe(415);
  });
});
