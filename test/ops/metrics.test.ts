import { randomBytes } from 'node:crypto';
import { randomOctets } from '../support/files.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, tusHeaders, waitForStatus } from '../support/http.js';
import { scrape } from '../support/metrics.js';
import { OCTETS, freePort, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const PATCH_204 = 'airlock_http_request_duration_seconds_count{method="PATCH",route="/uploads/:id",status="204"}';

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
    const first = await scrape(stack.url);
    const families = first.families();
    // Before any file ended or was scanned, the series are there at 0 (increase() needs the zero).
    expect(first.text).toContain('airlock_files_terminal_total{status="scan_failed",reason="none"} 0');
    expect(first.text).toContain('airlock_files_terminal_total{status="failed",reason="expired"} 0');
    expect(first.text).toContain('airlock_scan_duration_seconds_count{result="infected"} 0');
    for (const name of [
      'airlock_bytes_received_total',
      'airlock_uploads_created_total',
      'airlock_uploads_finished_total',
      'airlock_uploads_terminated_total',
      'airlock_uploads_expired_total',
      'airlock_uploads_rejected_total',
      'airlock_files_terminal_total',
      'airlock_scan_duration_seconds',
      'airlock_files_in_flight',
      'airlock_http_request_duration_seconds',
      'airlock_lock_wait_seconds',
      'airlock_queue_jobs',
      'airlock_queue_oldest_job_age_seconds',
      'airlock_webhook_events',
      'airlock_webhook_oldest_pending_age_seconds',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(families).toContain(name);
    }
  });

  it('counts bytes, created and finished uploads, requests by route pattern, lock waits, files in flight and the queue', async () => {
    const before = await scrape(stack.url);
    const bytes = randomOctets(3000);
    const { body } = await createUpload(stack.url, token, bytes.length);
    const up = body as { upload_url: string; upload_id: string };
    uploadId = up.upload_id;
    expect((await patch(up.upload_url, token, 0, bytes.subarray(0, 1000))).status).toBe(204);
    expect((await patch(up.upload_url, token, 1000, bytes.subarray(1000))).status).toBe(204);
    // A refused chunk (wrong offset) adds nothing.
    expect((await patch(up.upload_url, token, 5, bytes.subarray(0, 10))).status).toBe(409);

    const after = await scrape(stack.url);
    const delta = (series: string) => after.value(series) - before.value(series);
    expect(delta('airlock_bytes_received_total')).toBe(3000);
    expect(delta('airlock_uploads_created_total')).toBe(1);
    expect(delta('airlock_uploads_finished_total')).toBe(1);
    expect(delta(PATCH_204)).toBe(2);
    expect(after.value('airlock_http_request_duration_seconds_count{method="PATCH",route="/uploads/:id",status="409"}')).toBe(1);
    expect(after.value('airlock_http_request_duration_seconds_count{method="POST",route="/uploads",status="201"}')).toBe(1);
    // Both PATCHes that wrote waited for the upload's lock, and got it (a bodiless POST takes
    // none; the 409 is answered from the finished row, without the lock).
    expect(delta('airlock_lock_wait_seconds_count{outcome="acquired"}')).toBe(2);
    // The route label is the pattern: no upload id ever becomes a label value.
    expect(after.text).not.toContain(uploadId);
    expect(after.value('airlock_files_in_flight{status="assembling"}')).toBe(1);
    // No worker runs yet: the validation job waits, and ages.
    expect(after.value('airlock_queue_jobs{queue="airlock-validator",state="waiting"}')).toBe(1);
    expect(after.text).toContain('airlock_queue_jobs{queue="airlock-notifier",state="failed"} 0');
    const aged = await waitFor(
      () => scrape(stack.url),
      (s) => s.value('airlock_queue_oldest_job_age_seconds{queue="airlock-validator"}') >= 0.2,
      { what: 'the waiting job to age' },
    );
    expect(aged.value('airlock_queue_oldest_job_age_seconds{queue="airlock-scanner"}')).toBe(0);
  });

  it('counts what the API ends: terminated by DELETE, rejected at the first bytes; unmatched paths share one label', async () => {
    const before = await scrape(stack.url);
    const deleted = (await createUpload(stack.url, token, 10)).body as { upload_url: string };
    expect((await fetch(deleted.upload_url, { method: 'DELETE', headers: tusHeaders(token) })).status).toBe(204);
    const narrow = await startStack({ env: { ALLOWED_TYPES: 'image/png' } });
    try {
      const alien = (await createUpload(narrow.url, await narrow.token('bob'), 5000)).body as { upload_url: string };
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4991)]);
      expect((await patch(alien.upload_url, await narrow.token('bob'), 0, pdf)).status).toBe(415);
      const other = await scrape(narrow.url);
      expect(other.value('airlock_uploads_rejected_total')).toBe(1);
      expect(other.value('airlock_files_terminal_total{status="rejected",reason="none"}')).toBe(1);
    } finally {
      await narrow.stop();
    }
    for (const path of ['/nope/1', '/nope/2']) expect((await fetch(`${stack.url}${path}`)).status).toBe(404);
    const after = await scrape(stack.url);
    expect(after.value('airlock_uploads_terminated_total') - before.value('airlock_uploads_terminated_total')).toBe(1);
    expect(after.value('airlock_files_terminal_total{status="failed",reason="terminated"}')).toBe(1);
    expect(after.value('airlock_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(2);
    expect(after.text).not.toContain('/nope/');
  });

  it("shows the worker's scan and the complete file service-wide on the API (from totals kept with each change), stages on the worker", async () => {
    const healthPort = await freePort();
    const worker = await stack.startWorker('worker', { WORKER_HEALTH_PORT: String(healthPort) });
    const workerUrl = `http://127.0.0.1:${healthPort}`;
    expect(await waitForStatus(stack.url, token, uploadId, TERMINAL)).toMatchObject({ status: 'complete' });
    const api = await scrape(stack.url);
    expect(api.value('airlock_files_terminal_total{status="complete",reason="none"}')).toBe(1);
    expect(api.value('airlock_scan_duration_seconds_count{result="clean"}')).toBe(1);
    expect(api.value('airlock_scan_duration_seconds_bucket{le="120",result="clean"}')).toBe(1);
    expect(api.value('airlock_scan_duration_seconds_bucket{le="+Inf",result="clean"}')).toBe(1);
    expect(api.value('airlock_scan_duration_seconds_sum{result="clean"}')).toBeGreaterThan(0);
    const work = await waitFor(
      () => scrape(workerUrl),
      (s) => s.value('airlock_stage_duration_seconds_count{role="promoter",job="upload.promote",outcome="completed"}') === 1,
      { what: 'the worker to count the promotion' },
    );
    expect(work.value('airlock_stage_duration_seconds_count{role="scanner",job="upload.scan",outcome="completed"}')).toBe(1);
    expect(api.value('airlock_files_in_flight{status="assembling"}')).toBe(0);
    expect(api.value('airlock_queue_jobs{queue="airlock-validator",state="waiting"}')).toBe(0);
    // The worker's notifier settles the event (no WEBHOOK_URL here: not sent, but not pending).
    await waitFor(
      async () => (await scrape(stack.url)).value('airlock_webhook_events{state="pending"}'),
      (n) => n === 0,
      { what: 'the complete event settled' },
    );
    expect((await scrape(stack.url)).value('airlock_webhook_oldest_pending_age_seconds')).toBe(0);
    await worker.stop();
  });
});
