import { describe, expect, it } from 'vitest';
import { evaluatePreconditions } from './preconditions.js';

const ETAG = '"abc123"';
const LAST_MODIFIED = new Date('2030-01-02T03:04:05.678Z');
const NOW = new Date('2030-01-03T00:00:00Z');
const AT = LAST_MODIFIED.toUTCString(); // Wed, 02 Jan 2030 03:04:05 GMT (the second it changed)
const BEFORE = new Date(LAST_MODIFIED.getTime() - 60_000).toUTCString();
const AFTER = new Date(LAST_MODIFIED.getTime() + 60_000).toUTCString();

const evaluate = (headers: Record<string, string>) => evaluatePreconditions(headers, { etag: ETAG, lastModified: LAST_MODIFIED }, NOW);
const send = { answer: 'send', rangeAllowed: true };

describe('RFC 9110 preconditions of a download', () => {
  it('sends the body with no precondition', () => {
    expect(evaluate({})).toEqual(send);
  });

  describe('If-Match (strong comparison)', () => {
    it.each([ETAG, '*', `"x", ${ETAG}`, ` ${ETAG} `])('%s matches', (value) => expect(evaluate({ 'if-match': value }).answer).toBe('send'));
    it.each(['"other"', `W/${ETAG}`, 'abc123', ''])('%s fails with 412', (value) => expect(evaluate({ 'if-match': value }).answer).toBe(412));
  });

  describe('If-Unmodified-Since', () => {
    it('passes at or after the last change', () => {
      expect(evaluate({ 'if-unmodified-since': AT }).answer).toBe('send');
      expect(evaluate({ 'if-unmodified-since': AFTER }).answer).toBe('send');
    });
    it('fails with 412 before it', () => expect(evaluate({ 'if-unmodified-since': BEFORE }).answer).toBe(412));
    it('is ignored when If-Match is present', () => expect(evaluate({ 'if-match': ETAG, 'if-unmodified-since': BEFORE }).answer).toBe('send'));
    it('is ignored when not a valid HTTP-date', () => expect(evaluate({ 'if-unmodified-since': 'yesterday' }).answer).toBe('send'));
  });

  describe('If-None-Match (weak comparison)', () => {
    it.each([ETAG, `W/${ETAG}`, '*', `"x", W/${ETAG}`])('%s → 304', (value) => expect(evaluate({ 'if-none-match': value }).answer).toBe(304));
    it.each(['"other"', 'W/"other"'])('%s → send', (value) => expect(evaluate({ 'if-none-match': value }).answer).toBe('send'));
    it('is evaluated after If-Match: a failed If-Match is 412, not 304', () => {
      expect(evaluate({ 'if-match': '"other"', 'if-none-match': ETAG }).answer).toBe(412);
    });
  });

  describe('If-Modified-Since', () => {
    it('304 when not modified since', () => {
      expect(evaluate({ 'if-modified-since': AT }).answer).toBe(304);
      expect(evaluate({ 'if-modified-since': AFTER }).answer).toBe(304);
    });
    it('sends when modified since', () => expect(evaluate({ 'if-modified-since': BEFORE }).answer).toBe('send'));
    it('is ignored when If-None-Match is present', () => {
      expect(evaluate({ 'if-none-match': '"other"', 'if-modified-since': AFTER }).answer).toBe('send');
    });
    it('accepts the obsolete date forms and ignores garbage', () => {
      expect(evaluate({ 'if-modified-since': 'Wednesday, 02-Jan-30 03:04:05 GMT' }).answer).toBe(304);
      expect(evaluate({ 'if-modified-since': 'Wed Jan  2 03:04:05 2030' }).answer).toBe(304);
      expect(evaluate({ 'if-modified-since': '2030-01-02' }).answer).toBe('send');
    });
  });

  describe('If-Range', () => {
    it('allows the range for the current strong entity tag or the exact Last-Modified', () => {
      expect(evaluate({ 'if-range': ETAG })).toEqual(send);
      expect(evaluate({ 'if-range': AT })).toEqual(send);
    });
    it.each([`W/${ETAG}`, '"other"', AFTER, BEFORE, 'garbage'])('%s → the whole body', (value) => {
      expect(evaluate({ 'if-range': value })).toEqual({ answer: 'send', rangeAllowed: false });
    });
    it('does not trust a Last-Modified less than a second old (weak validator)', () => {
      const fresh = evaluatePreconditions({ 'if-range': AT }, { etag: ETAG, lastModified: LAST_MODIFIED }, LAST_MODIFIED);
      expect(fresh.rangeAllowed).toBe(false);
    });
  });
});
