import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { lifecycleMetrics } from './lifecycle.metrics.js';

async function values(registry: Registry): Promise<Map<string, number>> {
  const text = await registry.metrics();
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
  );
}

describe('lifecycleMetrics', () => {
  it('maps each committed change to its counter, and starts every counter at 0', async () => {
    const registry = new Registry();
    const events = lifecycleMetrics(registry);
    expect((await values(registry)).get('airlock_uploads_expired_total')).toBe(0);

    events.transitioned('uploading', null);
    events.transitioned('assembling', null);
    events.transitioned('failed', 'expired');
    events.transitioned('failed', 'expired');
    events.transitioned('failed', 'terminated');
    events.transitioned('rejected', null);
    events.transitioned('failed', 'checksum_mismatch');
    events.transitioned('complete', null);

    const v = await values(registry);
    expect(v.get('airlock_uploads_finished_total')).toBe(1);
    expect(v.get('airlock_uploads_expired_total')).toBe(2);
    expect(v.get('airlock_uploads_terminated_total')).toBe(1);
    expect(v.get('airlock_uploads_rejected_total')).toBe(1);
  });
});
