import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay, RELAY_DEFAULTS, startOutboxRelay, type RelayOptions } from './outbox-relay.js';
import { verifyWebhook } from './signature.js';

const SECRET = 'relay-test-secret';
const FAST: RelayOptions = { ...RELAY_DEFAULTS, pollMs: 20, backoffMs: 30, maxAttempts: 3 };

/** A receiver answering with `answer(eventId)`; or holding the request open while `hold` is set. */
async function receiver(answer: (eventId: string) => number) {
  const seen: { id: string; body: string; signature: string }[] = [];
  let hold = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['airlock-event-id']);
      seen.push({ id, body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['airlock-signature']) });
      if (!hold) res.writeHead(answer(id)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    seen,
    hold: (on: boolean) => void (hold = on),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('outbox relay (notifier) on SQLite', () => {
  let dir: string;
  let db: Database;
  const logger = pino({ level: 'silent', name: 'relay-test' });
  let counter = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-relay-'));
    const url = `file:${join(dir, 'airlock.db')}`;
    await migrate(url);
    db = createDatabase(url);
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A terminated upload: its `file.failed` event is in the outbox, due now. */
  async function terminated(): Promise<string> {
    counter += 1;
    const ids = { uploadId: `up-${counter}`, fileId: `file-${counter}` };
    const now = new Date();
    await db.uploads.create({
      ...ids,
      ownerId: 'u',
      originalFilename: null,
      declaredType: null,
      expectedSha256: null,
      totalSize: 1,
      chunkSize: 1,
      expiresAt: new Date(now.getTime() + 60_000),
      now,
      reserveBytes: 1,
      defaultQuota: 100,
    });
    await db.uploads.abort(ids.uploadId, 'failed', 'terminated', now);
    return `${ids.fileId}.file.failed`;
  }
  const row = async (id: string) => (await db.outbox.listByFile(id.replace(/\.file\.failed$/, '')))[0]!;
  const until = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('sends each event signed, with its id in the header and the body, and marks it delivered', async () => {
    const target = await receiver(() => 204);
    const id = await terminated();
    const relay = startOutboxRelay({ db, webhook: { url: target.url, secret: SECRET }, logger }, FAST);
    try {
      await until(async () => (await row(id)).deliveredAt !== null);
      const sent = target.seen.filter((s) => s.id === id);
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0]!.body)).toMatchObject({ id, type: 'file.failed', file: { status: 'failed', failure_reason: 'terminated' } });
      expect(verifyWebhook(SECRET, sent[0]!.signature, sent[0]!.body)).toBe(true);
      expect(await row(id)).toMatchObject({ attempts: 1, nextAttemptAt: null, lastError: null });
    } finally {
      await relay.stop();
      await target.close();
    }
  });

  it('retries a refused event with backoff, and gives it up after the last attempt', async () => {
    const refusing = await receiver(() => 500);
    const id = await terminated();
    const relay = startOutboxRelay({ db, webhook: { url: refusing.url, secret: SECRET }, logger }, FAST);
    try {
      await until(async () => (await row(id)).lastError?.startsWith('gave up') ?? false);
      expect(refusing.seen.filter((s) => s.id === id)).toHaveLength(3);
      expect(await row(id)).toMatchObject({
        attempts: 3,
        nextAttemptAt: null,
        deliveredAt: null,
        lastError: 'gave up after 3 attempts: the receiver answered 500',
      });
    } finally {
      await relay.stop();
      await refusing.close();
    }
  });

  it('settles events without sending when WEBHOOK_URL is not set', async () => {
    const id = await terminated();
    const relay = startOutboxRelay({ db, webhook: { url: undefined, secret: undefined }, logger }, FAST);
    try {
      await until(async () => (await row(id)).deliveredAt !== null);
      expect((await row(id)).lastError).toBe('not sent: WEBHOOK_URL is not set');
    } finally {
      await relay.stop();
    }
  });

  it('on shutdown, cuts a delivery short and leaves its event due at once for the next notifier', async () => {
    const slow = await receiver(() => 204);
    slow.hold(true);
    const id = await terminated();
    const relay = startOutboxRelay({ db, webhook: { url: slow.url, secret: SECRET }, logger }, FAST);
    await until(async () => slow.seen.some((s) => s.id === id));
    await relay.stop();
    const after = await row(id);
    expect(after).toMatchObject({ deliveredAt: null, attempts: 1 });
    expect(after.lastError).toMatch(/^interrupted by shutdown/);
    expect(after.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now());
    await slow.close();
  });

  it('doubles the backoff from its base, ±20 %', () => {
    expect(backoffDelay(1, 5_000, () => 0.5)).toBe(5_000);
    expect(backoffDelay(2, 5_000, () => 0.5)).toBe(10_000);
    expect(backoffDelay(7, 5_000, () => 0.5)).toBe(320_000);
    expect(backoffDelay(1, 5_000, () => 0)).toBe(4_000);
    expect(backoffDelay(1, 5_000, () => 1)).toBe(6_000);
  });
});
