import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { lifecycleMetrics } from './lifecycle.metrics.js';

async function values(registry: Registry): Promise<Map<string, number>> {
  const text = await registry.metrics();
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}

describe('lifecycleMetrics', () => {
  it('maps each committed change to its counters, and starts every terminal series at 0', async () => {
    const registry = new Registry();
    const events = lifecycleMetrics(registry);
    expect((await values(registry)).get('airlock_files_terminal_total{status="quarantined",reason="none"}')).toBe(0);

    events.transitioned('uploading', null);
    events.transitioned('assembling', null);
    events.transitioned('failed', 'expired');
    events.transitioned('failed', 'expired');
    events.transitioned('failed', 'terminated');
    events.transitioned('rejected', null);
    events.transitioned('failed', 'checksum_mismatch');
    events.scanRecorded({ fileId: 'f', attempt: 1, result: 'infected', signature: 'Eicar', engineVersion: null, durationMs: 1500, detail: null, at: new Date() });

    const v = await values(registry);
    expect(v.get('airlock_uploads_finished_total')).toBe(1);
    expect(v.get('airlock_uploads_expired_total')).toBe(2);
    expect(v.get('airlock_uploads_terminated_total')).toBe(1);
    expect(v.get('airlock_uploads_rejected_total')).toBe(1);
    expect(v.get('airlock_files_terminal_total{status="failed",reason="expired"}')).toBe(2);
    expect(v.get('airlock_files_terminal_total{status="failed",reason="checksum_mismatch"}')).toBe(1);
    expect(v.get('airlock_files_terminal_total{status="rejected",reason="none"}')).toBe(1);
    expect(v.get('airlock_scan_duration_seconds_bucket{le="1",result="infected"}')).toBe(0);
    expect(v.get('airlock_scan_duration_seconds_bucket{le="2.5",result="infected"}')).toBe(1);
    expect(v.get('airlock_scan_duration_seconds_sum{result="infected"}')).toBe(1.5);
  });
});
