import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, tusHeaders, uploadBytes, waitForStatus } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { privateRedis, type PrivateService } from '@airlock/testing';
import { startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';
import { startReceiver, verifySignature, type WebhookReceiver } from '@airlock/testing/stack';

const SECRET = 'whsec-outbox-0123456789abcdef';

/**
 * Issue #14 item 3: webhook events are rows written with the status change (the outbox), not
 * jobs in Redis. Redis here is a private one without persistence: stopping it loses every
 * queued job, as a crash of an unpersisted Redis would.
 */
describe('webhook outbox', () => {
  let redis: PrivateService;
  let receiver: WebhookReceiver;
  let stack: Stack;
  let notifier: Proc | undefined;
  let token: string;

  beforeAll(async () => {
    redis = await privateRedis();
    receiver = await startReceiver();
    stack = await startStack({ env: { REDIS_URL: redis.url, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
    // The pipeline, but no notifier yet: events wait in the database.
    await stack.startWorker('worker', { WORKER_QUEUES: 'validator,scanner,promoter,janitor' });
    token = await stack.token('olivia');
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    await redis?.destroy();
  });

  const deliveriesOf = (fileId: string, count: number) =>
    waitFor(
      async () => receiver.of(fileId),
      (list) => list.length >= count,
      { what: `${count} deliveries for ${fileId}`, timeoutMs: 30_000 },
    );

  it('delivers events of changes made before and while Redis was down, once each, with Redis down and after it returns', async () => {
    // Changes while Redis is up; no notifier runs, so no delivery can have happened yet.
    const done = await uploadBytes(stack.url, token, PNG, { filename: 'before.png' });
    await waitForStatus(stack.url, token, done.upload_id, ['complete']);
    const { body: created } = await createUpload(stack.url, token, 10);
    const open = created as { upload_url: string; upload_id: string; file_id: string };
    const { body: other } = await createUpload(stack.url, token, 10);
    const flaky = other as { upload_url: string; upload_id: string; file_id: string };
    expect(receiver.deliveries).toEqual([]);

    // Redis goes, and everything in it with it.
    await redis.stop();
    // A change while Redis is down: tus termination ends the upload in the database before the
    // tus store (and its Redis lock) is reached, so whatever the answer, the file is terminated.
    await fetch(open.upload_url, { method: 'DELETE', headers: tusHeaders(token), signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
    await fetch(flaky.upload_url, { method: 'DELETE', headers: tusHeaders(token), signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
    receiver.failFirst.add(flaky.file_id);

    // The notifier starts with Redis still down, and delivers from the database.
    notifier = await stack.startWorker('notifier');
    const [complete] = await deliveriesOf(done.file_id, 1);
    expect(complete!.body).toMatchObject({ id: `${done.file_id}.file.complete`, type: 'file.complete', file: { id: done.file_id, status: 'complete' } });
    expect(complete!.headers['airlock-event-id']).toBe(`${done.file_id}.file.complete`);
    expect(verifySignature(SECRET, complete!.headers['airlock-signature'] as string, complete!.raw)).toBe(true);
    const [terminated] = await deliveriesOf(open.file_id, 1);
    expect(terminated!.body).toMatchObject({
      id: `${open.file_id}.file.failed`,
      type: 'file.failed',
      file: { status: 'failed', failure_reason: 'terminated' },
    });
    // The receiver's 500 is retried (at least once), with the same event id and body.
    const [refused] = await deliveriesOf(flaky.file_id, 1);
    expect(refused!.answered).toBe(500);

    await redis.start();
    const [, retried] = await deliveriesOf(flaky.file_id, 2);
    expect(retried!.answered).toBe(204);
    expect(retried!.headers['airlock-event-id']).toBe(refused!.headers['airlock-event-id']);
    expect(retried!.body).toEqual(refused!.body);

    // Once per event id: a second notifier, a restart of the first and a few more seconds
    // (longer than a poll, shorter than the lease) send nothing again.
    await stack.startWorker('notifier');
    await notifier.stop();
    await notifier.restart();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const acknowledged = receiver.acknowledged();
    expect(acknowledged.sort()).toEqual([`${done.file_id}.file.complete`, `${open.file_id}.file.failed`, `${flaky.file_id}.file.failed`].sort());
    expect(receiver.deliveries).toHaveLength(4);
  });

  it('delivers each event once when several notifiers share the outbox', async () => {
    const before = receiver.deliveries.length;
    const ups = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => uploadBytes(stack.url, token, PNG, { filename: `many-${n}.png` })));
    for (const up of ups) await deliveriesOf(up.file_id, 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const fresh = receiver.deliveries.slice(before);
    expect(fresh).toHaveLength(ups.length);
    expect(new Set(fresh.map((d) => d.headers['airlock-event-id'])).size).toBe(ups.length);
  });
});
