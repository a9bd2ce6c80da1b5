import { describe, expect, it } from 'vitest';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { expectTusError, userClient } from '../support/tus-raw.js';
import { waitFor } from '@airlock/testing';

/** tus 1.0.0, "Expiration" extension (docs/TUS-CONFORMANCE.md, section expiration). */
const EXPIRY_SECONDS = 3;
/** RFC 9110 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

describe('tus expiration', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS, UPLOAD_EXPIRY_SECONDS: String(EXPIRY_SECONDS) } });
  const tus = userClient(stack, 'alice');

  /** Polls HEAD until the upload answers 410 (it expired); never a bare sleep. */
  const untilGone = (url: string) =>
    waitFor(
      () => tus.head(url),
      (res) => res.status !== 200,
      { timeoutMs: (EXPIRY_SECONDS + 10) * 1000, intervalMs: 250, what: 'expiry' },
    );

  it('expiration/OPTIONS: MUST add expiration to Tus-Extension', async () => {
    expect((await tus.options()).headers.get('tus-extension')!.split(',')).toContain('expiration');
  });

  it('expiration/POST: Upload-Expires MUST be in the response to the POST when the expiry is known, in RFC 9110 format', async () => {
    const before = Date.now();
    const res = await tus.create({ 'Upload-Length': '10' });
    const expires = res.headers.get('upload-expires')!;
    expect(expires).toMatch(IMF_FIXDATE);
    expect(Date.parse(expires)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(expires)).toBeLessThanOrEqual(Date.now() + EXPIRY_SECONDS * 1000 + 1000);
  });

  it('expiration/PATCH: Upload-Expires MUST be in every PATCH response while the upload is going to expire', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    for (const [offset, bytes] of [
      [0, 'abc'],
      [3, 'de'],
      [5, ''],
    ] as const) {
      const res = await tus.patch(url, offset, bytes);
      expect(res.status).toBe(204);
      expect(res.headers.get('upload-expires'), `PATCH at ${offset}`).toMatch(IMF_FIXDATE);
    }
  });

  it('expiration/PATCH (Airlock): the PATCH that finishes the upload has no Upload-Expires (a finished upload does not expire)', async () => {
    const url = await tus.open({ 'Upload-Length': '5' });
    const res = await tus.patch(url, 0, 'hello');
    expect(res.status).toBe(204);
    expect(res.headers.get('upload-expires')).toBeNull();
  });

  it('expiration/HEAD (Airlock): HEAD of an open upload carries Upload-Expires too', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expect((await tus.head(url)).headers.get('upload-expires')).toMatch(IMF_FIXDATE);
  });

  it('expiration/Upload-Expires: MAY change over time (Airlock: counted from the last accepted chunk)', async () => {
    const created = await tus.create({ 'Upload-Length': '10' });
    const first = Date.parse(created.headers.get('upload-expires')!);
    const url = created.headers.get('location')!;
    // Move into the next second, so the extended expiry is visible at 1 s resolution.
    await waitFor(
      async () => Date.now(),
      (now) => now >= first - EXPIRY_SECONDS * 1000 + 1100,
      { what: 'a second to pass' },
    );
    const res = await tus.patch(url, 0, 'abc');
    expect(Date.parse(res.headers.get('upload-expires')!)).toBeGreaterThan(first);
  });

  it('expiration/expired: resuming an expired upload SHOULD get 404 or 410 (410: Airlock tracks it), with Tus-Resumable and no Upload-Offset', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    await tus.patch(url, 0, 'abc');
    const head = await untilGone(url);
    expectTusError(head, 410, 'HEAD');
    expect(head.headers.get('upload-offset')).toBeNull();
    const patch = await tus.patch(url, 3, 'de');
    expectTusError(patch, 410, 'PATCH');
    expect(patch.headers.get('upload-offset')).toBeNull();
    expectTusError(await tus.delete(url), 410, 'DELETE');
    expect(await tus.status(url)).toMatchObject({ status: 'failed', failure_reason: 'expired' });
  });

  it('expiration/expired: an expired deferred-length upload is gone the same way', async () => {
    const url = await tus.open({ 'Upload-Defer-Length': '1' });
    const head = await untilGone(url);
    expectTusError(head, 410);
    expect(head.headers.get('upload-defer-length')).toBeNull();
  });

  it('expiration/expired (Airlock): a finished upload never expires: HEAD still answers its offset after the expiry', async () => {
    const created = await tus.create({ 'Upload-Length': '5' });
    const expires = Date.parse(created.headers.get('upload-expires')!);
    const url = created.headers.get('location')!;
    expect((await tus.patch(url, 0, 'hello')).status).toBe(204);
    await waitFor(
      async () => Date.now(),
      (now) => now > expires + 1000,
      { timeoutMs: (EXPIRY_SECONDS + 5) * 1000, what: 'the expiry to pass' },
    );
    const head = await tus.head(url);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('5');
  });

  it('expiration/expired: an expired partial upload is gone for concatenation too (4xx, no final created)', async () => {
    const created = await tus.create({ 'Upload-Length': '5', 'Upload-Concat': 'partial' }, 'hello');
    const expires = Date.parse(created.headers.get('upload-expires')!);
    const partial = created.headers.get('location')!;
    // Untouched past its expiry: nothing has noticed yet (no HEAD, the GC runs every 300 s).
    await waitFor(
      async () => Date.now(),
      (now) => now > expires + 1000,
      { timeoutMs: (EXPIRY_SECONDS + 5) * 1000, what: 'the expiry to pass' },
    );
    const final = await tus.create({ 'Upload-Concat': `final;${partial}` });
    expect(final.status).toBeGreaterThanOrEqual(400);
    expect(final.status).toBeLessThan(500);
    expect(final.headers.get('location')).toBeNull();
  });
});
