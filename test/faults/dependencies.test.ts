import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, PNG } from '../support/samples.js';
import { privatePostgres, privateRedis, type PrivateService } from '@airlock/testing';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

describe('when Redis restarts (losing everything)', () => {
  let redis: PrivateService;
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    redis = await privateRedis();
    stack = await startStack({ env: { REDIS_URL: redis.url, ALLOWED_TYPES: OCTETS, RECONCILE_AFTER_SECONDS: '1', JOB_LOCK_SECONDS: '2' } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
  });

  it('answers 503 while it is down, and every upload still reaches a terminal status', async () => {
    const before = await uploadBytes(stack.url, token, PNG, { filename: 'before.png' });
    const { body } = await createUpload(stack.url, token, PNG.length);
    const during = body as { upload_url: string; upload_id: string };

    await redis.stop();
    const refused = await patch(during.upload_url, token, 0, PNG);
    expect(refused.status).toBe(503);
    expect(await status(stack.url, token, during.upload_id)).toMatchObject({ bytes_received: 0 });

    await redis.start();
    // The client retries; the lock, the queues and the schedules come back by themselves.
    let retried = await patch(during.upload_url, token, 0, PNG);
    for (let i = 0; i < 20 && retried.status === 503; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      retried = await patch(during.upload_url, token, 0, PNG);
    }
    expect(retried.status).toBe(204);
    const after = await uploadBytes(stack.url, token, Buffer.from(EICAR), { filename: 'eicar.txt' });
    const finals = [];
    for (const up of [before, during, after]) finals.push((await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 40_000)).status);
    expect(finals).toEqual(['complete', 'complete', 'quarantined']);
  });
});

describe('when PostgreSQL restarts', () => {
  let postgres: PrivateService;
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    postgres = await privatePostgres();
    stack = await startStack({ env: { DATABASE_URL: postgres.url, ALLOWED_TYPES: OCTETS, RECONCILE_AFTER_SECONDS: '1' } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
  });
  afterAll(async () => {
    await stack?.stop();
    await postgres?.destroy();
  });

  it('answers 503 while it is down and recovers without a restart', async () => {
    const { body } = await createUpload(stack.url, token, PNG.length);
    const up = body as { upload_url: string; upload_id: string };
    await postgres.stop();
    const whileDown = await fetch(`${stack.url}/uploads/${up.upload_id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(whileDown.status).toBe(503);
    expect(whileDown.headers.get('retry-after')).toBe('5');
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(503);
    const post = await createUpload(stack.url, token, 10);
    expect(post.res.status).toBe(503);

    await postgres.start();
    let res = await patch(up.upload_url, token, 0, PNG);
    for (let i = 0; i < 20 && res.status === 503; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      res = await patch(up.upload_url, token, 0, PNG);
    }
    expect(res.status).toBe(204);
    expect((await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 40_000)).status).toBe('complete');
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
  });
});
