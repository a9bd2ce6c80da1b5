import { createHash } from 'node:crypto';
import type { Caller, TokenVerifier } from './tokens.js';

export interface TokenCacheOptions {
  /** Tokens remembered at once; the least recently used goes first. */
  maxEntries?: number;
  /** How long a verified token is trusted without verifying it again (never past its `exp`). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * A small cache of verified tokens in front of `verifier`: a client sends the same token on
 * every request of an upload (a POST and its PATCHes), and verifying it again each time was
 * a few percent of the API's CPU per small upload (issue #15). Only successes are kept, by
 * the SHA-256 of the token (the token itself is not held as a key), for at most `ttlMs` and
 * never past the token's own `exp`; a refused token is verified every time. With a JWKS,
 * `ttlMs` bounds how long a token signed by a key that was just withdrawn is still accepted.
 */
export function cachedTokenVerifier(verifier: TokenVerifier, { maxEntries = 1_000, ttlMs = 60_000, now = Date.now }: TokenCacheOptions = {}): TokenVerifier {
  const cache = new Map<string, { caller: Caller; until: number }>();
  return {
    devSecret: verifier.devSecret,
    sign: (userId, options) => verifier.sign(userId, options),
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64');
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        if (hit.until > now()) {
          cache.set(key, hit); // most recently used last
          return hit.caller;
        }
      }
      const caller = await verifier.verify(token);
      const until = Math.min(now() + ttlMs, expiryMs(token) ?? Infinity);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(key, { caller, until });
      return caller;
    },
  };
}

/** `exp` of a token that was just verified (so its payload is well formed), in ms. */
function expiryMs(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
