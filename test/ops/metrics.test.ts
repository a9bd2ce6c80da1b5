import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, waitForStatus } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/** `name{labels} value` lines of a Prometheus text answer; 0 for a series that is absent. */
async function scrape(stack: Stack) {
  const res = await fetch(`${stack.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return {
    text,
    value(series: string): number {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    },
  };
}

describe('GET /metrics', () => {
  let stack: Stack;
  let token: string;
  let uploadId: string;

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    token = await stack.token('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers without a token, with the airlock_ metrics and the process defaults', async () => {
    const { text } = await scrape(stack);
    for (const name of [
      'airlock_bytes_received_total',
      'airlock_uploads_created_total',
      'airlock_chunk_duration_seconds',
      'airlock_files',
      'airlock_queue_jobs',
      'airlock_webhook_events',
      'airlock_scan_duration_seconds',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts the bytes of accepted chunks once, uploads created, chunk timings, files and the queue', async () => {
    const before = await scrape(stack);
    const bytes = randomBytes(3000);
    const { body } = await createUpload(stack.url, token, bytes.length);
    const up = body as { upload_url: string; upload_id: string };
    uploadId = up.upload_id;
    expect((await patch(up.upload_url, token, 0, bytes.subarray(0, 1000))).status).toBe(204);
    expect((await patch(up.upload_url, token, 1000, bytes.subarray(1000))).status).toBe(204);
    // A refused chunk (wrong offset) adds nothing.
    expect((await patch(up.upload_url, token, 5, bytes.subarray(0, 10))).status).toBe(409);

    const after = await scrape(stack);
    expect(after.value('airlock_bytes_received_total') - before.value('airlock_bytes_received_total')).toBe(3000);
    expect(after.value('airlock_uploads_created_total') - before.value('airlock_uploads_created_total')).toBe(1);
    expect(after.value('airlock_chunk_duration_seconds_count{code="204"}') - before.value('airlock_chunk_duration_seconds_count{code="204"}')).toBe(2);
    expect(after.value('airlock_chunk_duration_seconds_count{code="409"}')).toBeGreaterThanOrEqual(1);
    expect(after.value('airlock_files{status="assembling"}')).toBe(1);
    // No worker runs yet: the validation job waits.
    expect(after.value('airlock_queue_jobs{queue="airlock-validator",state="waiting"}')).toBe(1);
    expect(after.text).toContain('airlock_queue_jobs{queue="airlock-notifier",state="failed"} 0');
  });

  it('reports scan durations from the audit table once a worker scanned', async () => {
    const worker = await stack.startWorker('worker');
    expect(await waitForStatus(stack.url, token, uploadId, ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'])).toMatchObject({ status: 'complete' });
    const { value } = await scrape(stack);
    expect(value('airlock_scan_duration_seconds_count{result="clean"}')).toBe(1);
    expect(value('airlock_scan_duration_seconds_bucket{result="clean",le="+Inf"}')).toBe(1);
    expect(value('airlock_scan_duration_seconds_bucket{result="clean",le="120"}')).toBe(1);
    expect(value('airlock_scan_duration_seconds_sum{result="clean"}')).toBeGreaterThan(0);
    expect(value('airlock_files{status="complete"}')).toBe(1);
    expect(value('airlock_files{status="assembling"}')).toBe(0);
    expect(value('airlock_queue_jobs{queue="airlock-validator",state="waiting"}')).toBe(0);
    // The worker's notifier settles the event (no WEBHOOK_URL here: not sent, but not pending).
    await waitFor(async () => (await scrape(stack)).value('airlock_webhook_events{state="delivered"}'), (n) => n === 1, { what: 'the complete event settled' });
    expect((await scrape(stack)).value('airlock_webhook_events{state="pending"}')).toBe(0);
    await worker.stop();
  });
});
