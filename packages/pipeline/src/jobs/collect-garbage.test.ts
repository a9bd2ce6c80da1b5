import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { loadConfig } from '@airlock/config';
import { createDatabase, migrate, type Database } from '@airlock/db';
import { producerConnection } from '@airlock/queue';
import { finalKey, finalRef, quarantineRef, type Area, type ObjectRef, type StorageDriver } from '@airlock/storage';
import { createLocalDriver } from '@airlock/storage/local';
import { pino } from 'pino';
import { scratchPostgres, testRedisUrl } from '@airlock/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from './collect-garbage.job.js';
import type { GcDeps } from './gc/gc-context.js';
import { uploadLockKey } from '@airlock/queue';
import { createUploadLocks } from './gc/upload-lock.js';

const REDIS_URL = testRedisUrl();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const OWNER = 'gc-owner';

let redis: ReturnType<typeof producerConnection>;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  redis = producerConnection(REDIS_URL);
  // A producer connection refuses commands until connected (no offline queue).
  await once(redis, 'ready');
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await redis?.quit();
});

/** Same labels, same ids in every world, so the states of separate runs can be compared. */
const idOf = (label: string) => createHash('sha256').update(label).digest('hex').slice(0, 32);
const fileIdOf = (label: string) => idOf(`file:${label}`);

interface World {
  db: Database;
  storage: StorageDriver;
  dirs: Record<Area, string>;
  prefix: string;
  deps: GcDeps;
  logs: string[];
}

/** A fresh database, storage folder and Redis key space; `now` is the scenario's clock. */
async function world(provider: 'sqlite' | 'postgresql'): Promise<World> {
  const root = mkdtempSync(join(tmpdir(), 'airlock-gc-'));
  let url = `file:${join(root, 'airlock.db')}`;
  if (provider === 'postgresql') {
    const scratch = await scratchPostgres('airlock_gc');
    url = scratch.url;
    cleanups.push(scratch.drop);
  }
  await migrate(url);
  const db = createDatabase(url);
  cleanups.push(async () => {
    await db.close();
    rmSync(root, { recursive: true, force: true });
  });
  const config = loadConfig({ DATA_DIR: root, UPLOAD_EXPIRY_SECONDS: '600', QUARANTINE_RETENTION_SECONDS: '3600', ORPHAN_GRACE_SECONDS: '900' });
  const dirs = { quarantine: config.storage.quarantineDir, final: config.storage.finalDir };
  const storage = createLocalDriver({ quarantineDir: dirs.quarantine, finalDir: dirs.final });
  const prefix = `airlock-test-${randomBytes(4).toString('hex')}:`;
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }));
  const producer = { enqueue: async () => {} };
  return { db, storage, dirs, prefix, logs, deps: { config, db, storage, producer, locks: createUploadLocks(redis, { prefix }), logger } };
}

const run = (w: World, deps: GcDeps = w.deps) => collectGarbage(deps, { redis, prefix: w.prefix });

/** Writes an object last modified `ageMs` ago. */
async function put(w: World, ref: ObjectRef, ageMs = 0): Promise<void> {
  await w.storage.write(ref, Readable.from([Buffer.from(`bytes of ${ref.key}`)]));
  const when = new Date(Date.now() - ageMs);
  utimesSync(join(w.dirs[ref.area], ...ref.key.split('/')), when, when);
}

/** Every state the collector may meet, each under a label. */
async function seed(w: World): Promise<void> {
  const { db } = w;
  const ago = (ms: number) => new Date(Date.now() - ms);
  const upload = async (label: string, { createdAgo = 2 * HOUR, expiresIn = -MINUTE } = {}) => {
    await db.uploads.create({
      uploadId: idOf(label),
      fileId: fileIdOf(label),
      ownerId: OWNER,
      originalFilename: `${label}.bin`,
      declaredType: null,
      expectedSha256: null,
      totalSize: 100,
      chunkSize: 100,
      expiresAt: new Date(Date.now() + expiresIn),
      now: ago(createdAgo),
      reserveBytes: 100,
      defaultQuota: 2 ** 40,
    });
    await put(w, quarantineRef(idOf(label)), createdAgo);
    await put(w, { area: 'quarantine', key: `${idOf(label)}.json` }, createdAgo);
  };
  const through = async (label: string, statuses: ('scanning' | 'complete' | 'quarantined' | 'rejected' | 'scan_failed')[], at: Date) => {
    await upload(label, { createdAgo: Date.now() - at.getTime() + MINUTE });
    await db.uploads.finish(idOf(label), 100, at);
    for (const status of statuses) {
      const storagePath = status === 'scanning' || status === 'complete' ? finalKey(fileIdOf(label)) : undefined;
      if (status === 'complete') {
        const scan = {
          fileId: fileIdOf(label),
          attempt: 1,
          result: 'clean' as const,
          signature: null,
          engineVersion: null,
          durationMs: 1,
          detail: 'stream: OK',
          at,
        };
        await db.files.recordScan(scan, 'c'.repeat(64));
      }
      await db.files.transition(fileIdOf(label), status, at, storagePath ? { storagePath } : {});
    }
  };

  await upload('idle'); // open, expired, nobody writing: expires
  await upload('active', { expiresIn: HOUR }); // open, not expired: untouched
  await upload('writing'); // open, expired, but a request holds its lock: untouched
  await redis.set(uploadLockKey(idOf('writing'), w.prefix), 'a-request', 'PX', 60_000);
  await upload('api-expired'); // the API answered 410 and aborted it; its bytes are GC's
  await db.uploads.abort(idOf('api-expired'), 'failed', 'expired', ago(10 * MINUTE));
  await through('quarantined-old', ['scanning', 'quarantined'], ago(2 * HOUR)); // retention over
  await through('quarantined-new', ['scanning', 'quarantined'], ago(10 * MINUTE)); // retention not over
  await through('rejected-old', ['rejected'], ago(2 * HOUR));
  await through('scan-failed-old', ['scanning', 'scan_failed'], ago(2 * HOUR));
  await through('assembling-old', [], ago(48 * HOUR)); // in the pipeline: never touched
  await through('scanning-old', ['scanning'], ago(48 * HOUR));
  await put(w, finalRef(finalKey(fileIdOf('scanning-old'))), 48 * HOUR); // promotion half-way
  await through('complete', ['scanning', 'complete'], ago(48 * HOUR));
  await put(w, finalRef(finalKey(fileIdOf('complete'))), 48 * HOUR);
  await through('complete-missing', ['scanning', 'complete'], ago(48 * HOUR)); // its final object is gone
  await through('deleted-unfinished', ['scanning', 'complete'], ago(48 * HOUR)); // DELETE died after marking
  await put(w, finalRef(finalKey(fileIdOf('deleted-unfinished'))), 48 * HOUR);
  await db.files.markDeleted(fileIdOf('deleted-unfinished'), ago(2 * HOUR));
  await through('deleted-recent', ['scanning', 'complete'], ago(48 * HOUR)); // DELETE may still be running
  await put(w, finalRef(finalKey(fileIdOf('deleted-recent'))), 48 * HOUR);
  await db.files.markDeleted(fileIdOf('deleted-recent'), ago(MINUTE));
  // Evidence its owner deleted past the grace period: kept until retention ends, then purged.
  await through('evidence-deleted', ['scanning', 'quarantined'], ago(40 * MINUTE));
  await db.files.markDeleted(fileIdOf('evidence-deleted'), ago(30 * MINUTE));
  await through('evidence-deleted-old', ['rejected'], ago(3 * HOUR));
  await db.files.markDeleted(fileIdOf('evidence-deleted-old'), ago(2 * HOUR));
  await through('leftover', ['rejected'], ago(3 * HOUR)); // purged, yet a sidecar came back
  await db.files.markPurged(fileIdOf('leftover'), ago(2 * HOUR));

  await put(w, quarantineRef(idOf('orphan')), 2 * HOUR); // no row at all
  await put(w, { area: 'quarantine', key: `${idOf('orphan')}.json` }, 2 * HOUR);
  await put(w, quarantineRef(idOf('young-orphan')), MINUTE); // no row, but within the grace period
  await put(w, { area: 'quarantine', key: 'notes.txt' }, 48 * HOUR); // not an upload id: not ours
  await put(w, finalRef(finalKey(idOf('final-orphan'))), 2 * HOUR);
}

const LABELS = [
  'idle',
  'active',
  'writing',
  'api-expired',
  'quarantined-old',
  'quarantined-new',
  'rejected-old',
  'scan-failed-old',
  'assembling-old',
  'scanning-old',
  'complete',
  'complete-missing',
  'deleted-unfinished',
  'deleted-recent',
  'evidence-deleted',
  'evidence-deleted-old',
  'leftover',
];

/** Everything a pass may change, keyed by label: comparable across worlds. */
async function snapshot(w: World) {
  const rows: Record<string, unknown> = {};
  for (const label of LABELS) {
    const view = await w.db.uploads.find(idOf(label));
    rows[label] = { status: view?.file.status, reason: view?.file.failureReason, session: view?.upload.status, purged: view?.file.purgedAt !== null };
  }
  const keys: string[] = [];
  for (const area of ['quarantine', 'final'] as const) for await (const { key } of w.storage.list(area, '')) keys.push(`${area}/${key}`);
  return { rows, keys: keys.sort(), usage: await w.db.users.usage(OWNER) };
}

describe.each(['sqlite', 'postgresql'] as const)('garbage collection on %s and local storage', (provider) => {
  let clean: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    const w = await world(provider);
    await seed(w);
    const report = await run(w);
    expect(report).toMatchObject({ expired: 1, busy: 1, missingBytes: 1, audited: true, errors: 0 });
    clean = await snapshot(w);
    expect(w.logs.some((line) => line.includes('"level":50') && line.includes(fileIdOf('complete-missing')))).toBe(true);
  });

  it('expires idle uploads and purges what is due, touching nothing live', () => {
    const q = (label: string, suffix = '') => `quarantine/${idOf(label)}${suffix}`;
    const f = (label: string) => `final/${finalKey(fileIdOf(label))}`;
    expect(clean.rows).toMatchObject({
      idle: { status: 'failed', reason: 'expired', session: 'aborted', purged: true },
      active: { status: 'pending', session: 'open', purged: false },
      writing: { status: 'pending', session: 'open', purged: false },
      'api-expired': { status: 'failed', purged: true },
      'quarantined-old': { status: 'quarantined', purged: true },
      'quarantined-new': { status: 'quarantined', purged: false },
      'rejected-old': { purged: true },
      'scan-failed-old': { purged: true },
      'assembling-old': { status: 'assembling', purged: false },
      'scanning-old': { status: 'scanning', purged: false },
      complete: { status: 'complete', purged: false },
      'complete-missing': { status: 'complete', purged: false },
      'deleted-unfinished': { purged: true },
      'deleted-recent': { purged: false },
      'evidence-deleted': { status: 'quarantined', purged: false },
      'evidence-deleted-old': { status: 'rejected', purged: true },
    });
    expect(clean.keys).toEqual(
      [
        q('active'),
        q('active', '.json'),
        q('writing'),
        q('writing', '.json'),
        q('quarantined-new'),
        q('quarantined-new', '.json'),
        q('assembling-old'),
        q('assembling-old', '.json'),
        q('scanning-old'),
        q('scanning-old', '.json'),
        q('young-orphan'),
        q('evidence-deleted'),
        q('evidence-deleted', '.json'),
        'quarantine/notes.txt',
        f('scanning-old'),
        f('complete'),
        f('deleted-recent'),
      ].sort(),
    );
    // Reservations end with a terminal status: `idle`'s went with its expiry; the open and
    // in-pipeline uploads (active, writing, assembling-old, scanning-old) still hold theirs.
    expect(clean.usage.reservedBytes).toBe(400);
  });

  it('reaches the same state when two passes run at once', async () => {
    const w = await world(provider);
    await seed(w);
    await Promise.all([run(w), run(w)]);
    expect(await snapshot(w)).toEqual(clean);
  });

  it.each([1, 6, 14])('reaches the same state after a pass killed after %i deletions, then run again', async (deletions) => {
    const w = await world(provider);
    await seed(w);
    let left = deletions;
    const dying: StorageDriver = {
      ...w.storage,
      list: (area, prefix) => w.storage.list(area, prefix),
      async delete(ref) {
        if (left-- <= 0) throw new Error('killed');
        await w.storage.delete(ref);
      },
    };
    await run(w, { ...w.deps, storage: dying }).catch(() => {});
    expect(await snapshot(w)).not.toEqual(clean);
    await run(w);
    expect(await snapshot(w)).toEqual(clean);
  });

  it('reaches the same state after a pass killed right after expiring an upload', async () => {
    const w = await world(provider);
    await seed(w);
    // The abort commits, then the process "dies": the pass stops before removing any byte.
    const kill = new AbortController();
    const uploads = Object.create(w.db.uploads) as Database['uploads'];
    uploads.abort = async (...args) => {
      await w.db.uploads.abort(...args);
      kill.abort();
      throw new Error('killed');
    };
    const dying = { ...w.db, uploads };
    await collectGarbage({ ...w.deps, db: dying }, { redis, prefix: w.prefix, signal: kill.signal }).catch(() => {});
    expect((await snapshot(w)).rows).toMatchObject({ idle: { status: 'failed', reason: 'expired', purged: false } });
    await run(w);
    expect(await snapshot(w)).toEqual(clean);
  });
});
