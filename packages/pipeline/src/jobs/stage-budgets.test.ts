import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '@airlock/config';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { producerConnection } from '@airlock/queue';
import type { Scanner } from '@airlock/scanner';
import { finalKey, finalRef, quarantineRef, type ByteRange, type ObjectRef, type StorageDriver } from '@airlock/storage';
import { createLocalDriver } from '@airlock/storage/local';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerDeps } from '../job-types.js';
import { promoteUpload } from './promote-upload.job.js';
import { scanUpload } from './scan-upload.job.js';
import { validateUpload } from './validate-upload.job.js';

/**
 * Issue #14 item 2, stage by stage, against a real database and storage: a permanent failure
 * (the bytes are gone, the record cannot be processed) ends the file at once, in one run and
 * without an error for BullMQ to retry; a transient one is thrown back (retried with backoff)
 * until the stage's budget, counted in the database, is spent.
 */
const BYTES = Buffer.from('hello world\n');
const SHA256 = createHash('sha256').update(BYTES).digest('hex');
const BUDGET = 3;
const silent = pino({ level: 'silent' });
const ctx = { logger: silent, attempt: 1, signal: new AbortController().signal };
const root = mkdtempSync(join(tmpdir(), 'airlock-budgets-'));
const local = createLocalDriver({ quarantineDir: join(root, 'quarantine'), finalDir: join(root, 'files') });
let db: Database;
// Promotion removes the quarantine copy under the upload's lock, in the real Redis.
const redis = producerConnection(process.env.AIRLOCK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

beforeAll(async () => {
  const url = `file:${join(root, 'airlock.db')}`;
  await migrate(url);
  db = createDatabase(url);
  if (redis.status !== 'ready') await once(redis, 'ready');
});
afterAll(async () => {
  await db?.close();
  await redis.quit();
  rmSync(root, { recursive: true, force: true });
});

const cleanScanner: Scanner = {
  async scan(source) {
    for await (const _ of source);
    return { verdict: 'clean', signature: null, detail: 'stream: OK', durationMs: 1 };
  },
  ping: async () => true,
  version: async () => ({ engine: 'test', database: null, databaseDate: null }),
};

function deps(storage: StorageDriver = local): WorkerDeps {
  return {
    config: loadConfig({ DATA_DIR: root, STAGE_MAX_ATTEMPTS: String(BUDGET), SCAN_MAX_ATTEMPTS: String(BUDGET) }),
    db,
    storage,
    scanner: cleanScanner,
    producer: { enqueue: async () => {} },
    engineVersion: async () => null,
    redis,
    logger: silent,
  } as unknown as WorkerDeps;
}

/** Storage whose every call about quarantine fails as an unreachable server would (not "not found"). */
const unavailable: StorageDriver = {
  ...local,
  read: async () => Promise.reject(new Error('connect ECONNREFUSED')),
  stat: async () => Promise.reject(new Error('connect ECONNREFUSED')),
};

/** A file in `status`, its bytes in quarantine unless `bytes` is false; `clean` records a clean scan. */
async function fileIn(
  status: 'assembling' | 'scanning',
  { bytes = true, clean = false, sha256 = SHA256 as string | null, expectedSha256 = null as string | null } = {},
) {
  const [uploadId, fileId] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
  const now = new Date();
  await db.uploads.create({
    uploadId,
    fileId,
    ownerId: 'budgets',
    originalFilename: null,
    declaredType: null,
    expectedSha256,
    totalSize: BYTES.length,
    chunkSize: BYTES.length,
    expiresAt: new Date(now.getTime() + 3600_000),
    now,
    reserveBytes: BYTES.length,
    defaultQuota: 2 ** 40,
  });
  await db.uploads.finish(uploadId, BYTES.length, now);
  if (status === 'scanning') await db.files.transition(fileId, 'scanning', now, { mimeType: 'text/plain' });
  if (clean)
    await db.files.recordScan(
      { fileId, attempt: 1, result: 'clean', signature: null, engineVersion: null, durationMs: 1, detail: 'stream: OK', at: now },
      sha256,
    );
  if (bytes) await local.write(quarantineRef(uploadId), Readable.from([BYTES]));
  return { uploadId, fileId };
}

const outcome = async (fileId: string) => {
  const file = (await db.files.find(fileId))!;
  return { status: file.status, reason: file.failureReason };
};

describe('a permanent failure ends the file at once', () => {
  it('validate: bytes gone from quarantine → failed / bytes_missing', async () => {
    const { fileId } = await fileIn('assembling', { bytes: false });
    await validateUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'bytes_missing' });
  });

  it('scan: bytes gone from quarantine → failed / bytes_missing, no scan attempt counted', async () => {
    const { fileId } = await fileIn('scanning', { bytes: false });
    await scanUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'bytes_missing' });
    expect((await db.files.find(fileId))!.scan.attempts).toBe(0);
  });

  it('promote: bytes in neither quarantine nor final storage → failed / bytes_missing', async () => {
    const { fileId } = await fileIn('scanning', { bytes: false, clean: true });
    await promoteUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'bytes_missing' });
  });

  it('promote: bytes gone from quarantine because an earlier delivery moved them is no failure → complete', async () => {
    const { uploadId, fileId } = await fileIn('scanning', { clean: true });
    await db.files.update(fileId, 'scanning', new Date(), { storagePath: finalKey(fileId) });
    await local.copy(quarantineRef(uploadId), finalRef(finalKey(fileId)));
    await local.delete(quarantineRef(uploadId));
    await promoteUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'complete', reason: null });
  });

  it('promote: a clean scan whose bytes are not the SHA-256 the client declared (a scanner killed before it failed the file) → failed / checksum_mismatch, nothing promoted', async () => {
    const { uploadId, fileId } = await fileIn('scanning', { clean: true, expectedSha256: 'f'.repeat(64) });
    await promoteUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'checksum_mismatch' });
    expect(await local.stat(finalRef(finalKey(fileId)))).toBeNull();
    expect(await local.stat(quarantineRef(uploadId))).not.toBeNull();
  });

  it('promote: scanned clean without the checksum promotion verifies against → failed / invalid_record', async () => {
    const { fileId } = await fileIn('scanning', { clean: true, sha256: null });
    await promoteUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'invalid_record' });
  });
});

describe('a transient failure is retried until the budget, counted in the database, is spent', () => {
  /** Runs the job `runs` times, as BullMQ redeliveries or reconciler re-enqueues would; how many threw. */
  async function deliveries(run: () => Promise<void>, runs: number): Promise<number> {
    let thrown = 0;
    for (let i = 0; i < runs; i++) await run().catch(() => thrown++);
    return thrown;
  }

  it('validate → failed / pipeline_error after STAGE_MAX_ATTEMPTS', async () => {
    const { fileId } = await fileIn('assembling');
    const run = () => validateUpload(deps(unavailable))({ fileId }, ctx);
    expect(await deliveries(run, BUDGET - 1)).toBe(BUDGET - 1);
    expect(await outcome(fileId)).toEqual({ status: 'assembling', reason: null });
    expect(await deliveries(run, 3)).toBe(0);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'pipeline_error' });
  });

  it('scan → scan_failed after SCAN_MAX_ATTEMPTS, each unreadable attempt recorded', async () => {
    const { fileId } = await fileIn('scanning');
    const run = () => scanUpload(deps(unavailable))({ fileId }, ctx);
    expect(await deliveries(run, BUDGET - 1)).toBe(BUDGET - 1);
    expect(await deliveries(run, 2)).toBe(0);
    expect(await outcome(fileId)).toEqual({ status: 'scan_failed', reason: null });
    expect((await db.files.listScans(fileId)).map((scan) => [scan.attempt, scan.result])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'error'],
    ]);
  });

  it('promote → failed / pipeline_error after STAGE_MAX_ATTEMPTS, leaving no copy in final storage', async () => {
    const { fileId } = await fileIn('scanning', { clean: true });
    // The copy lands but never verifies (storage hands back other bytes): transient, every time.
    const corrupt: StorageDriver = {
      ...local,
      rename: undefined,
      read: async (ref: ObjectRef, range?: ByteRange) => (ref.area === 'final' ? Readable.from([Buffer.from('other')]) : local.read(ref, range)),
    } as unknown as StorageDriver;
    const run = () => promoteUpload(deps(corrupt))({ fileId }, ctx);
    expect(await deliveries(run, BUDGET - 1)).toBe(BUDGET - 1);
    expect(await deliveries(run, 2)).toBe(0);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'pipeline_error' });
    expect(await local.stat(finalRef(finalKey(fileId)))).toBeNull();
  });

  it('promote: a file deleted while its copy was under way is no failure of the stage, and keeps no copy', async () => {
    const { fileId } = await fileIn('scanning', { clean: true });
    // The owner deletes the file while the copy runs; the copy landed, then the quarantine bytes went.
    const racing = {
      ...local,
      rename: undefined,
      copy: async (from, to) => {
        await local.copy(from, to);
        await db.files.transition(fileId, 'failed', new Date(), { failureReason: 'terminated' });
        throw new Error('the source vanished');
      },
    } as StorageDriver;
    await promoteUpload(deps(racing))({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'failed', reason: 'terminated' });
    expect(await local.stat(finalRef(finalKey(fileId)))).toBeNull();
  });

  it('a stage that recovers within its budget goes on', async () => {
    const { fileId } = await fileIn('assembling');
    for (let i = 0; i < BUDGET - 1; i++) await validateUpload(deps(unavailable))({ fileId }, ctx).catch(() => {});
    // The storage is back before the budget is spent: this attempt passes.
    await validateUpload(deps())({ fileId }, ctx);
    expect(await outcome(fileId)).toEqual({ status: 'scanning', reason: null });
  });
});
