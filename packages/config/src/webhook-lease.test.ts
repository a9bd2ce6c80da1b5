import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('WEBHOOK_LEASE_SECONDS', () => {
  it('defaults to 60 s and refuses a lease an attempt (10 s) could outlast', () => {
    expect(loadConfig({}).webhook.leaseSeconds).toBe(60);
    expect(loadConfig({ WEBHOOK_LEASE_SECONDS: '12' }).webhook.leaseSeconds).toBe(12);
    expect(() => loadConfig({ WEBHOOK_LEASE_SECONDS: '10' })).toThrow(/WEBHOOK_LEASE_SECONDS/);
  });
});
