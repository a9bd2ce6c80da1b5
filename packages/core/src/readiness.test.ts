import { describe, expect, it } from 'vitest';
import { checkReadiness, createReadiness, publicReason } from './readiness.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6379'), { code: 'ECONNREFUSED' });

describe('readiness checks', () => {
  it('is ready when every required check is ok; an informational one is reported, not counted', async () => {
    const result = await checkReadiness(
      {
        db: { setting: 'DATABASE_URL', probe: async () => ({}) },
        clamd: { setting: 'CLAMD_HOST', required: false, probe: () => Promise.reject(refused) },
      },
      () => {},
    );
    expect(result.ready).toBe(true);
    expect(result.body).toEqual({
      status: 'ready',
      checks: { db: { ok: true }, clamd: { ok: false, required: false, error: 'connection refused; check CLAMD_HOST' } },
    });
  });

  it('gives a public reason and the setting, never the message or the address; the full error goes to the caller', async () => {
    const seen: unknown[] = [];
    const result = await checkReadiness({ redis: { setting: 'REDIS_URL', probe: () => Promise.reject(refused) } }, (_name, error) => seen.push(error));
    expect(result).toMatchObject({
      ready: false,
      body: { status: 'unavailable', checks: { redis: { ok: false, error: 'connection refused; check REDIS_URL' } } },
    });
    expect(JSON.stringify(result)).not.toContain('10.1.2.3');
    expect(seen).toEqual([refused]);
    expect(publicReason(new Error('password authentication failed for user "airlock" at db.internal'), 'DATABASE_URL')).toBe(
      'failed (details in the logs); check DATABASE_URL',
    );
    expect(publicReason({ name: 'Unknown', $metadata: { httpStatusCode: 403 } }, 'S3_BUCKET')).toBe('permission denied; check S3_BUCKET');
    expect(publicReason(new Error('wrapped', { cause: { code: 'ENOTFOUND' } }), 'S3_ENDPOINT')).toBe('host name not found; check S3_ENDPOINT');
  });

  it('times a silent dependency out', async () => {
    const result = await checkReadiness({ db: { setting: 'DATABASE_URL', probe: () => new Promise(() => {}) } }, () => {}, 50);
    expect(result.body.checks.db).toEqual({ ok: false, error: 'no answer within 50 ms; check DATABASE_URL' });
  });

  it('logs a failure once, and its recovery, not every probe', async () => {
    let up = false;
    const log: string[] = [];
    const readiness = createReadiness(
      { redis: { setting: 'REDIS_URL', probe: () => (up ? Promise.resolve({}) : Promise.reject(refused)) } },
      { failed: (name, error) => log.push(`failed ${name} ${(error as Error).message}`), recovered: (name) => log.push(`recovered ${name}`) },
    );
    await readiness();
    await readiness();
    up = true;
    await readiness();
    await readiness();
    expect(log).toEqual(['failed redis connect ECONNREFUSED 10.1.2.3:6379', 'recovered redis']);
  });
});
