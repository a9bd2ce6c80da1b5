import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Airlock-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with
 * WEBHOOK_SECRET (the scheme Stripe uses). The timestamp is signed with the body, so a
 * receiver that refuses old timestamps also refuses a replayed delivery.
 */
export const SIGNATURE_HEADER = 'Airlock-Signature';

/** The event's stable id (`<file id>.<type>`, also `id` in the body): the same on every retry, receivers de-duplicate on it. */
export const EVENT_ID_HEADER = 'Airlock-Event-Id';

/** How old a signature a receiver should accept, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * What a receiver does, for tests and for anyone writing one in TypeScript: true when one of
 * the header's `v1` signatures matches `body` and `t` is within `toleranceSeconds` of `now`.
 * Compares in constant time; never throws on a malformed header.
 */
export function verifyWebhook(
  secret: string,
  header: string | null | undefined,
  body: string,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = Date.now() } = {},
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isSafeInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value!, 'hex'), expected));
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
