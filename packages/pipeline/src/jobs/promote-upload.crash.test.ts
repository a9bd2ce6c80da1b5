import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { loadConfig } from '@airlock/config';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { producerConnection } from '@airlock/queue';
import { finalKey, finalRef, quarantineRef, quarantineSidecars, type StorageDriver } from '@airlock/storage';
import { createLocalDriver } from '@airlock/storage/local';
import { createS3Driver } from '@airlock/storage/s3';
import { pino } from 'pino';
import { createBucket, removeBucket, requireS3, s3ServiceEnv, s3TestClient } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerDeps } from '../job-types.js';
import { promoteUpload } from './promote-upload.job.js';

/**
 * Issue #14 item 5: promotion killed at every step converges, on the next delivery, to one
 * `complete` with the bytes in final storage only. The crash is simulated by a world whose
 * storage and database calls throw from call k on (nothing of call k happens); then a worker
 * with the real world runs the job again. k runs from 1 until a run finishes without crashing,
 * so every step of the handler is a crash point: after the attempt is counted, after the intent
 * (the final key) is recorded, after the stat, after the rename or the copy, after the verify,
 * between the quarantine deletes, before the final transition.
 */
const S3_ENV = s3ServiceEnv();
const BYTES = randomBytes(256 * 1024 + 3);
const SHA256 = createHash('sha256').update(BYTES).digest('hex');
const silent = pino({ level: 'silent' });
const ctx = { logger: silent, attempt: 1, signal: new AbortController().signal };

class Crash extends Error {}
/** The calls of the dying worker; `started` are those it began (a redelivery comes only after they ended: BullMQ's lock expires first). */
interface Clock {
  calls: string[];
  at: number;
  started: Promise<unknown>[];
}

/** Wraps every method of `target`: from call number `at` on (counted across all wrapped objects), each throws Crash before doing anything. */
function crashing<T extends object>(target: T, clock: Clock, label: string): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        clock.calls.push(`${label}.${String(property)}`);
        if (clock.calls.length >= clock.at) {
          const crash = new Crash(`crashed at ${label}.${String(property)}`);
          // The listings are async iterables, not promises: they fail when iterated.
          if (property === 'list' || property === 'listIncompleteUploads') return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(crash) }) };
          return Promise.reject(crash);
        }
        const result = (value as (...a: unknown[]) => unknown).apply(object, args);
        clock.started.push(Promise.resolve(result));
        return result;
      };
    },
  });
}

interface Backend {
  name: string;
  storage: () => StorageDriver;
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
}

const root = mkdtempSync(join(tmpdir(), 'airlock-promote-crash-'));
const [bucket, quarantineBucket] = ['final', 'quarantine'].map(
  (area) => `airlock-crash-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${area}`,
) as [string, string];
const local = createLocalDriver({ quarantineDir: join(root, 'quarantine'), finalDir: join(root, 'files') });
let s3: StorageDriver | undefined;
let s3Client: ReturnType<typeof s3TestClient> | undefined;

const BACKENDS: Backend[] = [
  { name: 'local (rename)', storage: () => local },
  // Local storage across filesystems (EXDEV): no rename, so copy + verify + delete.
  { name: 'local (copy)', storage: () => ({ ...local, rename: undefined }) as unknown as StorageDriver },
  {
    name: 's3',
    storage: () => s3!,
    async setup() {
      await requireS3();
      const client = (s3Client = s3TestClient());
      for (const Bucket of [bucket, quarantineBucket]) await createBucket(client, Bucket);
      const config = loadConfig({ DATA_DIR: root, STORAGE_BACKEND: 's3', S3_BUCKET: bucket, S3_QUARANTINE_BUCKET: quarantineBucket, ...S3_ENV });
      s3 = createS3Driver({ ...config.storage.s3, bucket, quarantineBucket });
    },
    async teardown() {
      if (!s3Client) return;
      for (const Bucket of [bucket, quarantineBucket]) await removeBucket(s3Client, Bucket);
      s3Client.destroy();
    },
  },
];

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

describe.each(BACKENDS)('promotion killed at every step converges to one complete ($name)', (backend) => {
  beforeAll(async () => backend.setup?.());
  afterAll(async () => backend.teardown?.());

  /** A file scanned clean, its bytes and tus sidecars in quarantine: what promotion starts from. */
  async function scannedFile(storage: StorageDriver): Promise<{ uploadId: string; fileId: string }> {
    const [uploadId, fileId] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const now = new Date();
    await db.uploads.create({
      uploadId,
      fileId,
      ownerId: 'crash',
      originalFilename: 'a.bin',
      declaredType: null,
      expectedSha256: null,
      totalSize: BYTES.length,
      chunkSize: BYTES.length,
      expiresAt: new Date(now.getTime() + 3600_000),
      now,
      reserveBytes: BYTES.length,
      defaultQuota: 2 ** 40,
    });
    await db.uploads.finish(uploadId, BYTES.length, now);
    await db.files.transition(fileId, 'scanning', now, { mimeType: 'application/octet-stream' });
    await db.files.recordScan(
      { fileId, attempt: 1, result: 'clean', signature: null, engineVersion: 'test', durationMs: 1, detail: 'stream: OK', at: now },
      SHA256,
    );
    await storage.write(quarantineRef(uploadId), Readable.from([BYTES]));
    for (const sidecar of quarantineSidecars(uploadId).slice(0, 2)) await storage.write(sidecar, Readable.from(['{}']));
    return { uploadId, fileId };
  }

  /** `database` whose file transitions that applied are recorded in `applied` (as `<status>`). */
  function recording(database: Database, applied: string[]): Database {
    const files = new Proxy(database.files, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (property !== 'transition' || typeof value !== 'function') return typeof value === 'function' ? value.bind(object) : value;
        return async (...args: Parameters<Database['files']['transition']>) => {
          const done = await object.transition(...args);
          if (done) applied.push(args[1]);
          return done;
        };
      },
    });
    return {
      provider: database.provider,
      users: database.users,
      uploads: database.uploads,
      files,
      stats: database.stats,
      maintenance: database.maintenance,
      outbox: database.outbox,
      ping: () => database.ping(),
      close: () => database.close(),
    };
  }

  function deps(storage: StorageDriver, database: Database): WorkerDeps {
    return {
      config: loadConfig({ DATA_DIR: root }),
      db: database,
      storage,
      producer: { enqueue: async () => {} },
      redis,
      logger: silent,
    } as unknown as WorkerDeps;
  }

  it('after every step, on the next delivery', async () => {
    const storage = backend.storage();
    const crashedAt: string[] = [];
    for (let at = 1; ; at++) {
      const { uploadId, fileId } = await scannedFile(storage);
      const clock: Clock = { calls: [], at, started: [] };
      const applied: string[] = [];
      // The dying worker: its storage and database calls crash from call `at` on.
      const observed = recording(db, applied);
      const dying: Database = { ...observed, files: crashing(observed.files, clock, 'db') };
      const crashed = await promoteUpload(deps(crashing(storage, clock, 'storage'), dying))({ fileId }, ctx).then(
        () => false,
        (error: unknown) => {
          if (!(error instanceof Crash)) throw error;
          return true;
        },
      );
      if (crashed) {
        crashedAt.push(clock.calls[at - 1]!);
        await Promise.allSettled(clock.started);
        // The redelivery, on a healthy worker.
        await promoteUpload(deps(storage, observed))({ fileId }, ctx);
      }
      const file = await db.files.find(fileId);
      expect(file, `crash at call ${at} (${clock.calls[at - 1]})`).toMatchObject({ status: 'complete', storagePath: finalKey(fileId) });
      expect(await text(await storage.read(finalRef(finalKey(fileId))))).toBe(BYTES.toString());
      for (const ref of [quarantineRef(uploadId), ...quarantineSidecars(uploadId)])
        expect(await storage.stat(ref), `${ref.key} after a crash at call ${at}`).toBeNull();
      // One terminal transition over both runs (each reports its event once).
      expect(applied).toEqual(['complete']);
      if (!crashed) break;
    }
    // Every step was a crash point, the named ones of the issue included.
    expect(crashedAt).toEqual(expect.arrayContaining(['db.countAttempt', 'db.update', 'storage.stat', 'storage.delete', 'db.transition']));
    expect(crashedAt.some((call) => call === 'storage.rename' || call === 'storage.copy')).toBe(true);
    if (!crashedAt.includes('storage.rename')) expect(crashedAt).toContain('storage.read'); // the verify of a copy
  }, 60_000);
});
