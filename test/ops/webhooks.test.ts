import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, uploadBytes } from '../support/http.js';
import { ELF, PNG } from '../support/samples.js';
import { startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';
import { startReceiver, verifySignature, type WebhookReceiver } from '@airlock/testing/stack';

const SECRET = 'whsec-e2e-0123456789abcdef';
const verify = (header: string | undefined, raw: string) => verifySignature(SECRET, header, raw);

describe('webhooks', () => {
  let receiver: WebhookReceiver;
  let stack: Stack;
  let worker: Proc;
  let token: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startStack({ env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET } });
    worker = await stack.startWorker('worker');
    token = await stack.token('alice');
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  const deliveriesOf = (fileId: string, count: number) =>
    waitFor(
      async () => receiver.of(fileId),
      (list) => list.length >= count,
      { what: `${count} deliveries for ${fileId}`, timeoutMs: 20_000 },
    );
  const fileJson = async (fileId: string) => (await fetch(`${stack.url}/files/${fileId}`, { headers: { Authorization: `Bearer ${token}` } })).json();

  it('POSTs a signed file.complete with the files API JSON of the file', async () => {
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png', sha256 });
    const [delivery] = await deliveriesOf(up.file_id, 1);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['airlock-event']).toBe('file.complete');
    expect(delivery!.headers['airlock-event-id']).toBe(`${up.file_id}.file.complete`);
    expect(verify(delivery!.headers['airlock-signature'] as string, delivery!.raw)).toBe(true);
    expect(verify(delivery!.headers['airlock-signature'] as string, delivery!.raw.replace('complete', 'completE'))).toBe(false);
    expect(delivery!.body).toEqual({
      id: `${up.file_id}.file.complete`,
      type: 'file.complete',
      created_at: expect.any(String),
      file: await fileJson(up.file_id),
    });
    expect(Date.parse(delivery!.body.created_at)).toBe(Date.parse((await fileJson(up.file_id)).updated_at)); // the moment of the change
    expect(delivery!.body.file).toMatchObject({ status: 'complete', checksum_sha256: sha256 });
  });

  it('retries with backoff when the receiver answers 500, and a failing receiver blocks nothing', async () => {
    const { body } = await createUpload(stack.url, token, PNG.length, { 'Upload-Metadata': `filename ${Buffer.from('retry.png').toString('base64')}` });
    const up = body as { upload_url: string; upload_id: string; file_id: string };
    receiver.failFirst.add(up.file_id);
    expect((await patch(up.upload_url, token, 0, PNG)).status).toBe(204);
    const [first, second] = await deliveriesOf(up.file_id, 2);
    expect([first!.answered, second!.answered]).toEqual([500, 204]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(3_000); // backoff from 5 s, jitter 20 %
    expect(second!.headers['airlock-event-id']).toBe(first!.headers['airlock-event-id']);
    expect(second!.body).toEqual(first!.body);
    expect(verify(second!.headers['airlock-signature'] as string, second!.raw)).toBe(true);
  });

  it('reports terminal statuses decided by the API: rejected at the door, terminated by the client', async () => {
    const { body: created } = await createUpload(stack.url, token, ELF.length);
    const elf = created as { upload_url: string; file_id: string };
    expect((await patch(elf.upload_url, token, 0, ELF)).status).toBe(415);

    const { body: other } = await createUpload(stack.url, token, 10);
    const dropped = other as { upload_url: string; file_id: string };
    expect((await fetch(dropped.upload_url, { method: 'DELETE', headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' } })).status).toBe(204);

    const [rejected] = await deliveriesOf(elf.file_id, 1);
    expect(rejected!.body).toMatchObject({ type: 'file.rejected', file: { id: elf.file_id, status: 'rejected' } });
    const [terminated] = await deliveriesOf(dropped.file_id, 1);
    expect(terminated!.body).toMatchObject({ type: 'file.failed', file: { id: dropped.file_id, status: 'failed', failure_reason: 'terminated' } });
    expect(verify(terminated!.headers['airlock-signature'] as string, terminated!.raw)).toBe(true);
  });

  it('sends each event once per file', async () => {
    // Give any stray duplicate a moment to arrive, then count.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const accepted = receiver.acknowledged();
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(worker.output()).not.toContain(SECRET);
  });
});
