import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('books bytes on one timeline shared by every caller', () => {
    let now = 0;
    const limiter = new RateLimiter(1000, () => now);
    expect(limiter.reserve(500)).toBe(0);
    expect(limiter.reserve(500)).toBe(500);
    expect(limiter.reserve(1000)).toBe(1000);
    now = 5_000; // idle time is not banked as a burst
    expect(limiter.reserve(1000)).toBe(0);
    expect(limiter.reserve(1)).toBe(1000);
  });
});
