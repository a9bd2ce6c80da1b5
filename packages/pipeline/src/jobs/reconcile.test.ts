import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '@airlock/config';
import type { FileRecord } from '@airlock/core';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { producerConnection, type JobName } from '@airlock/queue';
import type { Scanner } from '@airlock/scanner';
import { quarantineRef, type ObjectRef, type StorageDriver } from '@airlock/storage';
import { createLocalDriver } from '@airlock/storage/local';
import { pino } from 'pino';
import { scratchPostgres } from '@airlock/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers, type WorkerDeps } from '../handlers.js';

/**
 * Issue #14 item 2: every stuck file ends terminal, in a bounded number of reconcile passes,
 * however many of them keep failing. 1,000 rows stuck in the pipeline, made directly in the
 * database: the 500 oldest sit on storage that always fails (a whole batch of them), then 300
 * whose bytes are gone, then 200 healthy ones. Workers run every job the reconciler enqueues;
 * a job that fails is dropped (BullMQ's retries spent, or Redis lost it): only the reconciler
 * brings it back.
 */
const silent = pino({ level: 'silent' });
const STAGE_MAX_ATTEMPTS = 3;
const SCAN_MAX_ATTEMPTS = 2;
const cleanups: (() => Promise<void>)[] = [];
// Promotion removes the quarantine copy under the upload's lock, in the real Redis.
const redis = producerConnection(process.env.AIRLOCK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
cleanups.push(async () => void (await redis.quit()));
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function database(provider: 'sqlite' | 'postgresql', root: string): Promise<Database> {
  let url = `file:${join(root, 'airlock.db')}`;
  if (provider === 'postgresql') {
    const scratch = await scratchPostgres('airlock_reconcile');
    url = scratch.url;
    cleanups.push(scratch.drop);
  }
  await migrate(url);
  const db = createDatabase(url);
  cleanups.unshift(() => db.close());
  return db;
}

type Kind = 'flaky-assembling' | 'flaky-scanning' | 'missing-assembling' | 'missing-scanning' | 'healthy';
const LAYOUT: [Kind, number][] = [
  ['flaky-assembling', 400],
  ['flaky-scanning', 100],
  ['missing-assembling', 200],
  ['missing-scanning', 100],
  ['healthy', 200],
];

describe.each(['sqlite', 'postgresql'] as const)('the reconciler with 1,000 stuck files (%s)', (provider) => {
  it('ends every one terminal, the healthy ones in the first two passes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'airlock-reconcile-'));
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    const db = await database(provider, root);
    const local = createLocalDriver({ quarantineDir: join(root, 'quarantine'), finalDir: join(root, 'files') });
    const flaky = new Set<string>();
    const failing = (ref: ObjectRef) => {
      if (ref.area === 'quarantine' && flaky.has(ref.key)) throw new Error('storage unavailable');
    };
    // Storage that never answers for the flaky files: a transient failure, every time.
    const storage: StorageDriver = {
      ...local,
      read: async (ref, range) => (failing(ref), local.read(ref, range)),
      stat: async (ref) => (failing(ref), local.stat(ref)),
    };
    const scanner: Scanner = {
      async scan(source) {
        for await (const _ of source);
        return { verdict: 'clean', signature: null, detail: 'stream: OK', durationMs: 1 };
      },
      ping: async () => true,
      version: async () => ({ engine: 'test', database: null, databaseDate: null }),
    };

    // The rows, oldest first, an hour ago: stuck since long before RECONCILE_AFTER_SECONDS.
    const kinds = new Map<string, Kind>();
    let age = 0;
    for (const [kind, count] of LAYOUT) {
      for (let i = 0; i < count; i++) {
        const [uploadId, fileId] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
        const at = new Date(Date.now() - 3600_000 + age++);
        await db.uploads.create({
          uploadId,
          fileId,
          ownerId: 'stuck',
          originalFilename: null,
          declaredType: null,
          expectedSha256: null,
          totalSize: 12,
          chunkSize: 12,
          expiresAt: new Date(at.getTime() + 86_400_000),
          now: at,
          reserveBytes: 12,
          defaultQuota: 2 ** 40,
        });
        await db.uploads.finish(uploadId, 12, at);
        if (kind.endsWith('-scanning')) await db.files.transition(fileId, 'scanning', at, { mimeType: 'text/plain' });
        if (kind.startsWith('flaky')) flaky.add(uploadId);
        if (!kind.startsWith('missing')) await local.write(quarantineRef(uploadId), Readable.from(['hello world\n']));
        kinds.set(fileId, kind);
      }
    }

    // Workers: every enqueued job runs (once per job id while it waits, as in BullMQ); a failed job is dropped.
    const queue = new Map<string, { name: JobName; data: unknown }>();
    const config = {
      ...loadConfig({ DATA_DIR: root, STAGE_MAX_ATTEMPTS: String(STAGE_MAX_ATTEMPTS), SCAN_MAX_ATTEMPTS: String(SCAN_MAX_ATTEMPTS) }),
      reconcileAfterSeconds: 0,
    };
    const producer = {
      enqueue: async (name: JobName, data: { fileId?: string }) => void queue.set(`${name}-${data.fileId ?? ''}`, { name, data }),
    };
    if (redis.status !== 'ready') await once(redis, 'ready');
    const deps = { config, db, storage, scanner, producer, engineVersion: async () => null, redis, logger: silent } as unknown as WorkerDeps;
    const handlers = createHandlers(deps);
    const ctx = { logger: silent, attempt: 1, signal: new AbortController().signal };
    // Every payload here is one the handlers' own producer wrote: valid by construction.
    const run = (name: JobName, data: unknown) => (handlers[name] as (payload: unknown, context: typeof ctx) => Promise<void>)(data, ctx);
    async function pass(): Promise<void> {
      await run('maintenance.reconcile', {});
      while (queue.size > 0) {
        const [id, job] = queue.entries().next().value!;
        queue.delete(id);
        await run(job.name, job.data).catch(() => {});
      }
    }
    const files = async () => {
      const all: FileRecord[] = [];
      for (const fileId of kinds.keys()) all.push((await db.files.find(fileId))!);
      return all;
    };

    // Two passes reach all 1,000 (batches of 500), whatever the oldest 500 do.
    await pass();
    await pass();
    let now = await files();
    const of = (kind: Kind) => now.filter((file) => kinds.get(file.id) === kind);
    expect(of('healthy').map((file) => file.status)).toEqual(Array(200).fill('complete'));
    for (const kind of ['missing-assembling', 'missing-scanning'] as const) {
      expect(of(kind).map((file) => [file.status, file.failureReason])).toEqual(Array(of(kind).length).fill(['failed', 'bytes_missing']));
    }

    // The flaky ones spend their budgets, one attempt per pass: bounded, then terminal.
    const bound = 2 * Math.max(STAGE_MAX_ATTEMPTS, SCAN_MAX_ATTEMPTS) + 2;
    let passes = 2;
    while (now.some((file) => file.status === 'assembling' || file.status === 'scanning') && passes < bound) {
      await pass();
      passes++;
      now = await files();
    }
    expect(of('flaky-assembling').map((file) => [file.status, file.failureReason])).toEqual(Array(400).fill(['failed', 'pipeline_error']));
    expect(of('flaky-scanning').map((file) => [file.status, file.scan.result, file.scan.attempts])).toEqual(
      Array(100).fill(['scan_failed', 'error', SCAN_MAX_ATTEMPTS]),
    );
    expect(passes).toBeLessThanOrEqual(bound);
  }, 240_000);
});
