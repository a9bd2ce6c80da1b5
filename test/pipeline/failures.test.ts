import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, type Database } from '@airlock/db';
import { startFakeClamd, type FakeClamd } from '@airlock/scanner/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, PNG, TEXT_THEN_BINARY } from '../support/samples.js';
import { startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '@airlock/testing';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

describe('when clamd fails', () => {
  let stack: Stack;
  let db: Database;
  let token: string;
  let worker: Proc | undefined;
  let fake: FakeClamd | undefined;

  beforeAll(async () => {
    stack = await startStack({ env: { SCAN_MAX_ATTEMPTS: '2', SCAN_TIMEOUT_MS: '400' } });
    db = createDatabase(stack.env.DATABASE_URL!);
    token = await stack.token('alice');
  });
  afterEach(async () => {
    await worker?.stop();
    await fake?.close();
    worker = fake = undefined;
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  it('waits for a clamd that is down without spending scan attempts, then scans when it is back', async () => {
    // Nothing listens behind the cut proxy: what a stopped clamd looks like to a client.
    const proxy = await startTcpProxy({ host: process.env.CLAMD_HOST ?? '127.0.0.1', port: Number(process.env.CLAMD_PORT ?? 3310) });
    await proxy.cut();
    try {
      worker = await stack.startWorker('worker', { CLAMD_PORT: String(proxy.port), LOG_LEVEL: 'info' });
      const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
      // More failed deliveries than SCAN_MAX_ATTEMPTS (2): none of them counts.
      await waitFor(
        async () => worker!.output().match(/clamd unreachable/g)?.length ?? 0,
        (n) => n >= 3,
        { timeoutMs: 30_000, what: 'three deliveries that could not reach clamd' },
      );
      expect(await db.files.find(up.file_id)).toMatchObject({ status: 'scanning', scan: { result: null, attempts: 0 } });
      expect(await db.files.listScans(up.file_id)).toEqual([]);
      await proxy.restore();
      expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'complete' });
      expect((await db.files.listScans(up.file_id)).map((scan) => scan.result)).toEqual(['clean']);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('times out on a clamd that accepts and never answers, then scan_failed', async () => {
    fake = await startFakeClamd('silent');
    worker = await stack.startWorker('worker', { CLAMD_PORT: String(fake.port) });
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'scan_failed' });
    const scans = await db.files.listScans(up.file_id);
    expect(scans).toHaveLength(2);
    for (const scan of scans) expect(scan).toMatchObject({ result: 'error', detail: 'no answer within 400 ms' });
  });
});

describe('when a worker or Redis fails', () => {
  let stack: Stack;
  let db: Database;
  let token: string;
  const procs: Proc[] = [];

  beforeAll(async () => {
    stack = await startStack({ env: { JOB_LOCK_SECONDS: '2', RECONCILE_AFTER_SECONDS: '1', LOG_LEVEL: 'info' } });
    db = createDatabase(stack.env.DATABASE_URL!);
    token = await stack.token('alice');
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((proc) => proc.stop()));
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  it('runs a scan again after kill -9 of the scanner mid-scan; one terminal transition', async () => {
    const hung = await startFakeClamd('silent');
    procs.push(await stack.startWorker('validator'), await stack.startWorker('promoter'));
    const doomed = await stack.startWorker('scanner', { CLAMD_PORT: String(hung.port), SCAN_TIMEOUT_MS: '60000' });
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
    await waitFor(
      async () => hung.connections,
      (n) => n >= 1,
      { what: 'the scan to reach clamd' },
    );
    await doomed.kill();
    await hung.close();

    const scanner = await stack.startWorker('scanner');
    procs.push(scanner);
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 30_000)).toMatchObject({ status: 'complete' });
    // The killed attempt never finished, so it was never counted; the second one was clean.
    expect((await db.files.listScans(up.file_id)).map((scan) => scan.result)).toEqual(['clean']);
    const promoter = procs[1]!;
    // The log line may reach us a moment after the status it follows.
    const completions = (out: string) => out.split('\n').filter((line) => line.includes('promote: complete') && line.includes(up.file_id));
    await waitFor(
      async () => completions(promoter.output()).length,
      (n) => n >= 1,
      { what: 'the promoter to log the completion' },
    );
    expect(completions(promoter.output())).toHaveLength(1);
  });

  it('ends a file whose quarantine bytes vanished before validation failed / bytes_missing, at once', async () => {
    // No worker yet: the file waits in `assembling` while its bytes disappear (a lost disk, an operator).
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'gone.png' });
    expect(await db.files.find(up.file_id)).toMatchObject({ status: 'assembling' });
    rmSync(join(stack.dataDir, 'quarantine', up.upload_id));
    procs.push(await stack.startWorker('validator'));
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 30_000)).toMatchObject({ status: 'failed', failure_reason: 'bytes_missing' });
  });

  it('brings every file to a terminal status after Redis lost the waiting jobs', async () => {
    const uploads = [
      await uploadBytes(stack.url, token, PNG, { filename: 'a.png' }),
      await uploadBytes(stack.url, token, Buffer.from(EICAR), { filename: 'eicar.txt' }),
      await uploadBytes(stack.url, token, TEXT_THEN_BINARY, { filename: 'b.txt' }),
    ];
    const redis = new Redis(stack.redisUrl);
    expect(await redis.keys('*')).not.toHaveLength(0);
    await redis.flushdb();
    redis.disconnect();

    procs.push(await stack.startWorker('worker'));
    const finals = [];
    for (const up of uploads) finals.push((await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 30_000)).status);
    expect(finals).toEqual(['complete', 'quarantined', 'rejected']);
  });
});
