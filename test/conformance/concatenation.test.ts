import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { b64, expectTusError, expectTusResumable, userClient } from '../support/tus-raw.js';
import { waitFor } from '@airlock/testing';

/** tus 1.0.0, "Concatenation" extension (docs/TUS-CONFORMANCE.md, section concatenation). */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('tus concatenation', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS }, workers: { worker: {} } });
  const tus = userClient(stack, 'alice');
  const bob = userClient(stack, 'bob');

  /** A finished partial upload of `text`. */
  const partial = async (text: string, client = tus) => {
    const url = await client.open({ 'Upload-Length': String(text.length), 'Upload-Concat': 'partial' });
    const res = await client.patch(url, 0, text);
    if (res.status !== 204) throw new Error(`PATCH of a partial answered ${res.status}`);
    return url;
  };
  const final = (urls: string[], headers: Record<string, string> = {}) => tus.create({ 'Upload-Concat': `final;${urls.join(' ')}`, ...headers });
  const untilStatus = (url: string, statuses: string[]) =>
    waitFor(
      () => tus.status(url),
      (s) => statuses.includes(s.status as string),
      { timeoutMs: 60_000, intervalMs: 100, what: statuses.join('/') },
    );

  it('concatenation/OPTIONS: MUST add concatenation to Tus-Extension (and not concatenation-unfinished)', async () => {
    const extensions = (await tus.options()).headers.get('tus-extension')!.split(',');
    expect(extensions).toContain('concatenation');
    expect(extensions).not.toContain('concatenation-unfinished');
  });

  it('concatenation/partial: created with Upload-Concat: partial (201); HEAD MUST carry Upload-Offset', async () => {
    const url = await tus.open({ 'Upload-Length': '5', 'Upload-Concat': 'partial' });
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('0');
    await tus.patch(url, 0, 'hel');
    const head = await tus.head(url);
    expect(head.headers.get('upload-offset')).toBe('3');
    expect(head.headers.get('upload-length')).toBe('5');
  });

  it('concatenation/HEAD: a partial upload MUST carry Upload-Concat as given at creation (partial)', async () => {
    const open = await tus.open({ 'Upload-Length': '5', 'Upload-Concat': 'partial' });
    expect((await tus.head(open)).headers.get('upload-concat')).toBe('partial');
    const done = await partial('hello');
    expect((await tus.head(done)).headers.get('upload-concat')).toBe('partial');
    const deferred = await tus.open({ 'Upload-Defer-Length': '1', 'Upload-Concat': 'partial' });
    const head = await tus.head(deferred);
    expect(head.headers.get('upload-defer-length')).toBe('1');
    expect(head.headers.get('upload-concat')).toBe('partial');
  });

  it('concatenation/partial: the Server SHOULD NOT process a partial upload before it is concatenated', async () => {
    const url = await partial('%PDF-1.4 not a file of its own');
    const status = await tus.status(url);
    expect(['pending', 'uploading']).toContain(status.status);
  });

  it('concatenation/final: created with Upload-Concat: final;<urls> and no Upload-Length (201, Location, Tus-Resumable)', async () => {
    const res = await final([await partial('hello'), await partial(' world')]);
    expect(res.status).toBe(201);
    expectTusResumable(res);
    expect(res.headers.get('location')).toMatch(/\/uploads\/[0-9a-f]{32}$/);
  });

  it('concatenation/final: its length MUST be the sum of the partials; after concatenation Upload-Offset = Upload-Length', async () => {
    const res = await final([await partial('hello'), await partial(' world')]);
    const head = await tus.head(res.headers.get('location')!);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-length')).toBe('11');
    expect(head.headers.get('upload-offset')).toBe('11');
  });

  it('concatenation/final: the partials MUST be concatenated in the order listed', async () => {
    const [a, b] = [await partial('hello'), await partial(' world')];
    const res = await final([b, a], { 'Upload-Metadata': `sha256 ${b64(sha256(' worldhello'))}` });
    expect(res.status).toBe(201);
    // The pipeline compares the whole file with the declared SHA-256: a wrong order ends checksum_mismatch.
    expect(await untilStatus(res.headers.get('location')!, ['complete', 'failed', 'rejected'])).toMatchObject({ status: 'complete' });
  });

  it('concatenation/HEAD: a final upload MUST carry Upload-Concat as given at creation (final;<urls>)', async () => {
    const urls = [await partial('hello'), await partial(' world')];
    const res = await final(urls);
    expect((await tus.head(res.headers.get('location')!)).headers.get('upload-concat')).toBe(`final;${urls.join(' ')}`);
  });

  it('concatenation/HEAD: a final upload carries the Upload-Metadata given at its creation, also once complete', async () => {
    const metadata = `filename ${b64('joined.txt')},batch ${b64('7')}`;
    const res = await final([await partial('hello'), await partial(' world')], { 'Upload-Metadata': metadata });
    const url = res.headers.get('location')!;
    expect(await untilStatus(url, ['complete', 'failed', 'rejected'])).toMatchObject({ status: 'complete' });
    expect((await tus.head(url)).headers.get('upload-metadata')).toBe(metadata);
  });

  it('concatenation/PATCH: a PATCH to a final upload MUST get 403 and modify neither it nor its partials', async () => {
    const res = await final([await partial('hello'), await partial(' world')]);
    const url = res.headers.get('location')!;
    for (const [offset, bytes] of [
      [11, ''],
      [11, 'more'],
      [0, 'x'],
    ] as const) {
      expectTusError(await tus.patch(url, offset, bytes), 403, `offset ${offset}, ${bytes.length} bytes`);
    }
    expect((await tus.head(url)).headers.get('upload-offset')).toBe('11');
  });

  it("concatenation/final: the partials' metadata SHALL NOT be carried over; the final takes its own", async () => {
    const a = await tus.open({ 'Upload-Length': '5', 'Upload-Concat': 'partial', 'Upload-Metadata': `filename ${b64('part.txt')}` });
    await tus.patch(a, 0, 'hello');
    const res = await final([a], { 'Upload-Metadata': `filename ${b64('whole.txt')}` });
    const body = (await res.json()) as { file_id: string };
    const file = (await (await tus.send('GET', `/files/${body.file_id}`)).json()) as { original_filename: string };
    expect(file.original_filename).toBe('whole.txt');
    const bare = await final([await partial('hello')]);
    const bareFile = (await (await tus.send('GET', `/files/${((await bare.json()) as { file_id: string }).file_id}`)).json()) as {
      original_filename: string | null;
    };
    expect(bareFile.original_filename).not.toBe('part.txt');
  });

  it('concatenation/Upload-Concat: partial URLs MAY be absolute or relative', async () => {
    const a = await partial('hello');
    const b = await partial(' world');
    const relative = (url: string) => new URL(url, stack.url).pathname;
    const absolute = (url: string) => new URL(url, stack.url).href;
    expect((await final([absolute(a), relative(b)])).status).toBe(201);
  });

  it('concatenation/final: before its partials are finished it is refused (concatenation-unfinished is not announced)', async () => {
    const open = await tus.open({ 'Upload-Length': '5', 'Upload-Concat': 'partial' });
    const res = await final([await partial('hello'), open]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectTusResumable(res);
    expect(res.headers.get('location')).toBeNull();
  });

  it('concatenation/final: the same partial MAY be listed several times in one Upload-Concat', async () => {
    const a = await partial('ab');
    const res = await final([a, a], { 'Upload-Metadata': `sha256 ${b64(sha256('abab'))}` });
    expect(res.status).toBe(201);
    expect((await tus.head(res.headers.get('location')!)).headers.get('upload-length')).toBe('4');
  });

  it('concatenation/final: the Server MAY delete partials after concatenation (Airlock does: reusing one is refused, never a 5xx)', async () => {
    const a = await partial('hello');
    expect((await final([a])).status).toBe(201);
    const again = await final([a]);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    expectTusResumable(again);
    expect((await tus.head(a)).status).toBe(410);
  });

  it("concatenation/final (Airlock): another user's partial is 404, and nothing is taken from it", async () => {
    const theirs = await partial('hello', bob);
    expectTusError(await final([theirs]), 404);
    expect((await bob.head(theirs)).headers.get('upload-offset')).toBe('5');
  });

  it('concatenation/final: an unsupported Tus-Resumable is 412 with Tus-Version and creates nothing', async () => {
    const a = await partial('hello');
    const res = await final([a], { 'Tus-Resumable': '0.2.2' });
    expect(res.status).toBe(412);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect((await tus.head(a)).status).toBe(200);
  });
});
