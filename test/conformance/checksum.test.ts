import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { expectTusError, expectTusResumable, OFFSET_OCTETS, userClient } from '../support/tus-raw.js';

/** tus 1.0.0, "Checksum" extension (docs/TUS-CONFORMANCE.md, section checksum). */
const MAX_CHECKSUM_CHUNK = 4096;
const digest = (algorithm: string, data: string | Buffer) => createHash(algorithm).update(data).digest('base64');

describe('tus checksum', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS, CHECKSUM_MAX_CHUNK_BYTES: String(MAX_CHECKSUM_CHUNK) } });
  const tus = userClient(stack, 'alice');

  const offsetOf = async (url: string) => (await tus.head(url)).headers.get('upload-offset');

  it('checksum/OPTIONS: MUST add checksum to Tus-Extension, and Tus-Checksum-Algorithm MUST be in the OPTIONS response', async () => {
    const res = await tus.options();
    expect(res.headers.get('tus-extension')!.split(',')).toContain('checksum');
    expect(res.headers.get('tus-checksum-algorithm')).toBeTruthy();
  });

  it('checksum/Tus-Checksum-Algorithm: a comma list that MUST include sha1; names only lowercase ASCII', async () => {
    const algorithms = (await tus.options()).headers.get('tus-checksum-algorithm')!.split(',');
    expect(algorithms).toContain('sha1');
    for (const name of algorithms) expect(name).toMatch(/^[\x21-\x40\x5b-\x7e]+$/);
    expect(algorithms.sort()).toEqual(['md5', 'sha1', 'sha256']);
  });

  it('checksum/Tus-Extension: checksum-trailer is not announced (trailers are not supported)', async () => {
    expect((await tus.options()).headers.get('tus-extension')!.split(',')).not.toContain('checksum-trailer');
  });

  it('checksum/PATCH: a matching checksum (sha1, md5, sha256) is verified and answered 204', async () => {
    const url = await tus.open({ 'Upload-Length': '15' });
    let offset = 0;
    for (const [algorithm, chunk] of [
      ['sha1', 'hello'],
      ['md5', 'world'],
      ['sha256', 'again'],
    ] as const) {
      const res = await tus.patch(url, offset, chunk, { 'Upload-Checksum': `${algorithm} ${digest(algorithm, chunk)}` });
      expect(res.status, algorithm).toBe(204);
      offset += chunk.length;
      expect(res.headers.get('upload-offset')).toBe(String(offset));
    }
  });

  it('checksum/PATCH: a mismatch is 460; the chunk MUST be discarded and the offset MUST NOT change', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    await tus.patch(url, 0, 'abc');
    const res = await tus.patch(url, 3, 'defgh', { 'Upload-Checksum': `sha1 ${digest('sha1', 'DEFGH')}` });
    expectTusError(res, 460);
    expect(await offsetOf(url)).toBe('3');
    expect((await tus.patch(url, 3, 'defgh', { 'Upload-Checksum': `sha1 ${digest('sha1', 'defgh')}` })).status).toBe(204);
  });

  it('checksum/PATCH: a mismatch on the last chunk does not finish the upload', async () => {
    const url = await tus.open({ 'Upload-Length': '5' });
    expectTusError(await tus.patch(url, 0, 'hello', { 'Upload-Checksum': `md5 ${digest('md5', 'jello')}` }), 460);
    expect(await tus.status(url)).toMatchObject({ status: 'pending', bytes_received: 0 });
  });

  it('checksum/PATCH: an unsupported algorithm is 400; the chunk MUST be discarded and the offset MUST NOT change', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    for (const header of ['crc32 AAAAAA==', `SHA1 ${digest('sha1', 'hello')}`]) {
      expectTusError(await tus.patch(url, 0, 'hello', { 'Upload-Checksum': header }), 400, header);
    }
    expect(await offsetOf(url)).toBe('0');
  });

  it('checksum/Upload-Checksum: MUST be "<algorithm> <base64>"; anything else is 400 and nothing is written', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    for (const header of ['sha1', `sha1:${digest('sha1', 'hello')}`, 'sha1 not-base64!', `sha1 ${digest('md5', 'hello')}`]) {
      expectTusError(await tus.patch(url, 0, 'hello', { 'Upload-Checksum': header }), 400, header);
    }
    expect(await offsetOf(url)).toBe('0');
  });

  it('checksum/Content-MD5 (Airlock): a mismatching Content-MD5 is 400 and nothing is written', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expectTusError(await tus.patch(url, 0, 'hello', { 'Content-MD5': digest('md5', 'jello') }), 400);
    expect(await offsetOf(url)).toBe('0');
    expect((await tus.patch(url, 0, 'hello', { 'Content-MD5': digest('md5', 'hello') })).status).toBe(204);
  });

  it('checksum/cap (Airlock): OPTIONS says Airlock-Checksum-Max-Chunk-Size; a checksummed chunk above it is 413, nothing written', async () => {
    expect((await tus.options()).headers.get('airlock-checksum-max-chunk-size')).toBe(String(MAX_CHECKSUM_CHUNK));
    const url = await tus.open({ 'Upload-Length': String(2 * MAX_CHECKSUM_CHUNK) });
    const big = Buffer.alloc(MAX_CHECKSUM_CHUNK + 1, 'a');
    expectTusError(await tus.patch(url, 0, big, { 'Upload-Checksum': `sha1 ${digest('sha1', big)}` }), 413);
    expect(await offsetOf(url)).toBe('0');
    // Without a checksum the same chunk is an ordinary one.
    expect((await tus.patch(url, 0, big)).status).toBe(204);
  });

  it('checksum/X-HTTP-Method-Override: a checksummed PATCH sent as POST is verified the same way', async () => {
    const url = await tus.open({ 'Upload-Length': '5' });
    const patchAsPost = (checksum: string) =>
      tus.send('POST', url, { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '0', 'Content-Type': OFFSET_OCTETS, 'Upload-Checksum': checksum }, 'hello');
    expectTusError(await patchAsPost(`sha1 ${digest('sha1', 'jello')}`), 460);
    const ok = await patchAsPost(`sha1 ${digest('sha1', 'hello')}`);
    expect(ok.status).toBe(204);
    expectTusResumable(ok);
  });
});
