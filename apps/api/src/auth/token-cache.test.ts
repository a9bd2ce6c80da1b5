import { describe, expect, it } from 'vitest';
import { AppError } from '@airlock/core';
import type { Caller, TokenVerifier } from './tokens.js';
import { cachedTokenVerifier } from './token-cache.js';

/** A fake of our own TokenVerifier: counts verifications; tokens are `<user>.<exp seconds>`-shaped JWT look-alikes. */
function countingVerifier() {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    devSecret: false,
    sign: async () => 'unused',
    async verify(token) {
      calls.push(token);
      if (token.startsWith('bad')) throw new AppError('E_UNAUTHORIZED', 'invalid token');
      return { userId: token.split('.')[0]!, isAdmin: false } satisfies Caller;
    },
  };
  return { verifier, calls };
}

const token = (user: string, expSeconds: number) => `${user}.${Buffer.from(JSON.stringify({ sub: user, exp: expSeconds })).toString('base64url')}.sig`;

describe('cachedTokenVerifier', () => {
  it('verifies a token once within the ttl, again after it, and never trusts it past its exp', async () => {
    let clock = 1_000_000;
    const { verifier, calls } = countingVerifier();
    const cached = cachedTokenVerifier(verifier, { ttlMs: 60_000, now: () => clock });
    const alice = token('alice', (clock + 600_000) / 1000);
    expect(await cached.verify(alice)).toEqual({ userId: 'alice', isAdmin: false });
    expect(await cached.verify(alice)).toEqual({ userId: 'alice', isAdmin: false });
    expect(calls).toHaveLength(1);
    clock += 60_001;
    await cached.verify(alice);
    expect(calls).toHaveLength(2);
    // Expires in 10 s: trusted 10 s, not the whole ttl.
    const bob = token('bob', (clock + 10_000) / 1000);
    await cached.verify(bob);
    clock += 10_000;
    await cached.verify(bob);
    expect(calls.filter((t) => t === bob)).toHaveLength(2);
  });

  it('never caches a refusal, and forgets the least recently used beyond maxEntries', async () => {
    const { verifier, calls } = countingVerifier();
    const cached = cachedTokenVerifier(verifier, { maxEntries: 2 });
    const exp = Date.now() / 1000 + 600;
    for (let i = 0; i < 2; i++) await expect(cached.verify('bad.token.x')).rejects.toMatchObject({ key: 'E_UNAUTHORIZED' });
    expect(calls).toHaveLength(2);
    const [a, b, c] = ['a', 'b', 'c'].map((user) => token(user, exp));
    await cached.verify(a!);
    await cached.verify(b!);
    await cached.verify(a!); // a is now the most recent
    await cached.verify(c!); // evicts b
    const before = calls.length;
    await cached.verify(a!);
    await cached.verify(c!);
    expect(calls.length).toBe(before);
    await cached.verify(b!);
    expect(calls.length).toBe(before + 1);
  });
});
