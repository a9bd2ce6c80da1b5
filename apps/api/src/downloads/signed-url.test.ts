import { describe, expect, it } from 'vitest';
import { createSignedUrls } from './signed-url.js';

const urls = createSignedUrls('s'.repeat(48));
const parse = (url: string) => {
  const parsed = new URL(url, 'http://x');
  return { id: parsed.pathname.split('/').pop()!, expires: parsed.searchParams.get('expires'), sig: parsed.searchParams.get('sig') };
};

describe('signed download URLs', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const url = parse(urls.sign('abc', new Date(now.getTime() + 60_000)));

  it('accepts an untouched URL before it expires', () => {
    expect(urls.verify(url.id, url.expires, url.sig, now)).toBe('ok');
  });

  it('refuses an expired URL', () => {
    expect(urls.verify(url.id, url.expires, url.sig, new Date(now.getTime() + 61_000))).toBe('expired');
  });

  it('refuses altered ids, expiries and signatures', () => {
    expect(urls.verify('abd', url.expires, url.sig, now)).toBe('invalid');
    expect(urls.verify(url.id, String(Number(url.expires) + 3600), url.sig, now)).toBe('invalid');
    expect(urls.verify(url.id, url.expires, `${url.sig!.slice(0, -1)}A`, now)).toBe('invalid');
    expect(urls.verify(url.id, url.expires, undefined, now)).toBe('invalid');
    expect(urls.verify(url.id, '1e99', url.sig, now)).toBe('invalid');
    expect(createSignedUrls('t'.repeat(48)).verify(url.id, url.expires, url.sig, now)).toBe('invalid');
  });
});
