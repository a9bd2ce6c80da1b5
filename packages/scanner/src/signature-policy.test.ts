import { describe, expect, it } from 'vitest';
import { cleanRefusal } from './signature-policy.js';

const official = { engine: 'ClamAV 1.4.6', database: '27412', databaseDate: 'Tue Oct  1 08:00:00 2024' };
const testOnly = { engine: 'ClamAV 1.4.6', database: null, databaseDate: null };

describe('cleanRefusal', () => {
  it('refuses clean answers of a clamd with only test signatures unless they are allowed', () => {
    expect(cleanRefusal(testOnly, false)).toMatch(/only test signatures.*ALLOW_TEST_SIGNATURES/);
    expect(cleanRefusal(testOnly, true)).toBeNull();
  });

  it('trusts a clamd with an official database either way', () => {
    expect(cleanRefusal(official, false)).toBeNull();
    expect(cleanRefusal(official, true)).toBeNull();
  });
});
