import { describe, expect, it } from 'vitest';
import { JOBS, ROLES, jobsOfRole } from './jobs.js';

describe('job catalogue', () => {
  it('gives every role at least one job, but the notifier (it reads the outbox table, not a queue)', () => {
    for (const role of ROLES) expect(jobsOfRole(role).length > 0).toBe(role !== 'notifier');
  });

  it('uses BullMQ-safe deterministic job ids', () => {
    const id = JOBS['upload.scan'].jobId({ fileId: 'abc' });
    expect(id).toBe('scan-abc');
    expect(id).not.toContain(':');
  });

  it('refuses payloads that carry more than ids', () => {
    expect(() => JOBS['upload.scan'].payload.parse({ fileId: 'a', path: '/etc/passwd' })).toThrow();
    expect(() => JOBS['upload.scan'].payload.parse({})).toThrow();
  });
});
