import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './signature.js';

const SECRET = 'whsec-unit';
const BODY = '{"type":"file.complete","file":{"id":"f1"}}';
const T = 1_800_000_000;
const now = T * 1000;

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256, Stripe-style', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('verifies its own signature and refuses a changed body, another secret or a stale timestamp', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(verifyWebhook(SECRET, header, BODY, { now })).toBe(true);
    expect(verifyWebhook(SECRET, header, BODY.replace('f1', 'f2'), { now })).toBe(false);
    expect(verifyWebhook('other', header, BODY, { now })).toBe(false);
    expect(verifyWebhook(SECRET, header, BODY, { now: now + 301_000 })).toBe(false);
    expect(verifyWebhook(SECRET, header, BODY, { now: now + 301_000, toleranceSeconds: 600 })).toBe(true);
  });

  it('accepts any of several v1 signatures (secret rotation) and never throws on garbage', () => {
    const good = signWebhook(SECRET, BODY, T).split(',')[1];
    expect(verifyWebhook(SECRET, `t=${T},v1=${'0'.repeat(64)},${good}`, BODY, { now })).toBe(true);
    for (const header of [undefined, '', 'garbage', `t=${T}`, `t=x,${good}`, `t=${T},v1=zz`]) {
      expect(verifyWebhook(SECRET, header, BODY, { now })).toBe(false);
    }
  });
});
