import { CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { s3TestClient } from '@airlock/testing';
import { BACKENDS, storageProbe, type StorageProbe } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

/**
 * Short timers: an upload with no accepted chunk for 4 s expires; the janitor collects every
 * second. (2 s proved too tight on a loaded 2-core machine: a cold first POST took 4 s.)
 */
const EXPIRY_S = 4;
// No minimum charge: the test reads reservations byte for byte.
const TIMERS = { UPLOAD_EXPIRY_SECONDS: String(EXPIRY_S), GC_INTERVAL_SECONDS: '1', ALLOWED_TYPES: OCTETS, UPLOAD_MIN_CHARGE_BYTES: '0' };

/** A first request warms the API (JIT, database and Redis connections) before timing matters. */
async function warm(stack: Stack): Promise<void> {
  await createUpload(stack.url, await stack.token('warm-up'), 1);
}

/** Lines of the janitor's log with this message. */
const logged = (janitor: Proc, message: string) =>
  janitor
    .output()
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`));

describe.each(BACKENDS)('expiry on %s storage', (backend) => {
  let probe: StorageProbe;
  let stack: Stack;
  let janitor: Proc;

  beforeAll(async () => {
    probe = await storageProbe(backend, () => stack.dataDir);
    // A little longer here: the checks before the expiry must fit in it on a loaded machine.
    stack = await startStack({ env: { ...TIMERS, UPLOAD_EXPIRY_SECONDS: String(EXPIRY_S + 2), ...probe.env } });
    janitor = await stack.startWorker('janitor', { LOG_LEVEL: 'info' });
    await warm(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.remove();
  });

  it('fails an idle upload as expired, removes its bytes and frees its reservation; HEAD and PATCH get 410', async () => {
    const foreign = backend === 's3' ? await seedStrangers(probe) : undefined;
    const token = await stack.token('idler');
    const me = async () => (await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const { body } = await createUpload(stack.url, token, 1000);
    const { upload_id: id, upload_url: url } = body as { upload_id: string; upload_url: string };
    expect((await patch(url, token, 0, new Uint8Array(100))).status).toBe(204);
    const [before, keys] = await Promise.all([me(), probe.quarantineKeys()]);
    expect(before).toMatchObject({ reserved_bytes: 1000 });
    expect(keys.some((key) => key.startsWith(id))).toBe(true);

    // GET /uploads/:id only reads: the expiry seen here is the collector's, not the API's.
    const expired = await waitFor(
      () => status(stack.url, token, id),
      (s) => s.status === 'failed',
      { timeoutMs: 20_000, what: 'the expiry' },
    );
    expect(expired).toMatchObject({ failure_reason: 'expired' });
    // Its objects, then (S3) its multipart upload: none of ours is left open, the stranger's is.
    await waitFor(
      async () => (await probe.quarantineKeys()).filter((key) => key.startsWith(id)),
      (keys) => keys.length === 0,
      { what: 'the bytes to go' },
    );
    await waitFor(
      () => probe.openMultipartUploads(),
      (open) => open.join() === (foreign ? 'foreign/dump.tar' : ''),
      { what: 'our multipart uploads to go' },
    );
    expect(await me()).toMatchObject({ reserved_bytes: 0 });
    expect(logged(janitor, 'gc: upload expired').some((line) => line.includes(id))).toBe(true);

    expect((await fetch(url, { method: 'HEAD', headers: tusHeaders(token) })).status).toBe(410);
    expect((await patch(url, token, 100, new Uint8Array(100))).status).toBe(410);
    // Someone else's object and multipart upload in the same bucket are still there.
    if (foreign) expect(await probe.quarantineKeys()).toEqual(['foreign/readme.txt']);
  });
});

/** An object and a multipart upload of someone else's in the quarantine bucket. */
async function seedStrangers(probe: StorageProbe): Promise<true> {
  const client = s3TestClient();
  const Bucket = probe.env.S3_QUARANTINE_BUCKET!;
  await client.send(new PutObjectCommand({ Bucket, Key: 'foreign/readme.txt', Body: "not Airlock's" }));
  await client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'foreign/dump.tar' }));
  client.destroy();
  return true;
}

describe('live uploads are never expired', () => {
  let stack: Stack;
  let janitor: Proc;

  beforeAll(async () => {
    stack = await startStack({ env: TIMERS });
    janitor = await stack.startWorker('janitor', { LOG_LEVEL: 'info' });
    await warm(stack);
  });
  afterAll(() => stack?.stop());

  it('keeps an upload that sends a chunk every 0.5 s for twice the expiry', async () => {
    const token = await stack.token('slow');
    const chunks = (2 * EXPIRY_S) / 0.5;
    const { body } = await createUpload(stack.url, token, chunks * 100);
    const { upload_id: id, upload_url: url } = body as { upload_id: string; upload_url: string };
    const passesBefore = logged(janitor, 'gc: pass done').length;
    for (let offset = 0; offset < chunks * 100; offset += 100) {
      expect((await patch(url, token, offset, new Uint8Array(100).fill(offset % 251))).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Twice the expiry of uploading, while the collector ran several times.
    expect(logged(janitor, 'gc: pass done').length - passesBefore).toBeGreaterThanOrEqual(EXPIRY_S);
    expect(await status(stack.url, token, id)).toMatchObject({ status: 'assembling', bytes_received: chunks * 100 });
  });

  it('keeps an upload whose one PATCH streams for longer than the expiry (its lock is held)', async () => {
    const token = await stack.token('trickle');
    const total = 2 * EXPIRY_S * 1000;
    const { body } = await createUpload(stack.url, token, total);
    const { upload_id: id, upload_url: url } = body as { upload_id: string; upload_url: string };
    let sent = 0;
    // 500 bytes every 0.5 s for twice the expiry: no chunk is recorded until the request ends,
    // so `expires_at` passes while the request runs, and only the upload's lock protects it.
    const trickle = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === total) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 500));
        controller.enqueue(new Uint8Array(500).fill(7));
        sent += 500;
      },
    });
    const res = await fetch(url, {
      method: 'PATCH',
      headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
      body: trickle,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(204);
    expect(res.headers.get('upload-offset')).toBe(String(total));
    expect(await status(stack.url, token, id)).toMatchObject({ status: 'assembling', bytes_received: total });
    // The collector found it expired by the clock and left it alone because it was busy.
    expect(logged(janitor, 'gc: pass done').some((line) => /"busy":[1-9]/.test(line))).toBe(true);
  });
});
