import { isTerminal } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, NewUpload } from './repositories.js';
import { at, T0, TEST_TARGETS, migratedDatabase, scanClean, uniqueId } from './test-databases.fixture.js';

/**
 * Quota exactly once (issue #14 item 4), hundreds of times per database: an upload's last bytes
 * and its deletion race each other, directly on the repositories and without the API's upload
 * lock (the database must hold the invariant on its own). Afterwards every owner's quota in use
 * is the sum of their complete, undeleted files' sizes and nothing is left reserved.
 */
const ROUNDS = 200;
/** Rounds run at once: several owners, so reservations of one owner also race each other. */
const PARALLEL = 20;
const OWNERS = 4;
const SIZE = 100;
const QUOTA = 10 ** 12;

type Race = 'deferred-patch' | 'finish' | 'creation';

describe.each(TEST_TARGETS)('quota races on $provider', (target) => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  const newUpload = (ownerId: string, deferred: boolean): NewUpload => ({
    uploadId: uniqueId('up'),
    fileId: uniqueId('file'),
    ownerId,
    originalFilename: null,
    declaredType: null,
    expectedSha256: null,
    totalSize: deferred ? null : SIZE,
    chunkSize: SIZE,
    expiresAt: at(3_600_000),
    now: T0,
    reserveBytes: deferred ? 0 : SIZE,
    defaultQuota: QUOTA,
  });

  /** What a PATCH carrying the last bytes sets off: the upload finishes and its file goes through to `complete`. */
  async function write(input: NewUpload, deferred: boolean): Promise<void> {
    const id = input.uploadId;
    // A deferred-length PATCH reserves its bytes before it writes them, then declares the length.
    if (deferred && (await db.uploads.reserveUpTo(id, SIZE, QUOTA, at(1))) === false) return;
    if (!(await db.uploads.recordChunk(id, { bytesReceived: SIZE, at: at(2), expiresAt: at(3_600_000) }))) return;
    if (deferred) await db.uploads.declareLength(id, SIZE, at(2));
    if (!(await db.uploads.finish(id, SIZE, at(3)))) return;
    if (!(await db.files.transition(input.fileId, 'scanning', at(4)))) return;
    await scanClean(db, input.fileId, at(5)).catch(() => {});
    await db.files.transition(input.fileId, 'complete', at(6));
  }

  /**
   * DELETE as the API does it (tus termination and DELETE /files/:id), but deliberately trying
   * to mark the row first, as a request holding a stale read would: marking must refuse a file
   * that is still on its way, or it could become `complete` (stored) after it was deleted.
   */
  async function remove(fileId: string): Promise<void> {
    for (let round = 0; round < 50; round += 1) {
      if (await db.files.markDeleted(fileId, at(7))) return;
      const view = await db.uploads.findByFile(fileId);
      if (!view) {
        await hop(); // the creation has not committed yet
        continue;
      }
      if (view.file.deletedAt) return;
      if (view.upload.status === 'open') await db.uploads.abort(view.upload.id, 'failed', 'terminated', at(7));
      else if (view.file.status === 'assembling' || view.file.status === 'scanning') {
        await db.files.transition(fileId, 'failed', at(7), { failureReason: 'terminated' });
      }
    }
    throw new Error(`${fileId} could not be deleted`);
  }

  async function round(race: Race, index: number): Promise<{ fileId: string; deleted: boolean }> {
    const input = newUpload(`owner-${target.provider}-${index % OWNERS}`, race === 'deferred-patch' || index % 2 === 0);
    const deferred = input.totalSize === null;
    // Some rounds let the delete lose outright (it starts after everything else); some keep
    // their file, so the stored sum is not trivially zero.
    const late = index % 5 === 0;
    const kept = index % 7 === 3;
    const created = race === 'creation' ? db.uploads.create(input) : await db.uploads.create(input);
    // Both sides start after a varying number of event-loop turns, so either may go first.
    const writing = Promise.resolve(created)
      .then(() => hops((index * 7) % 13))
      .then(() => write(input, deferred));
    const deleting = kept ? writing : late ? writing.then(() => remove(input.fileId)) : hops(index % 4).then(() => remove(input.fileId));
    await Promise.all([created, writing, deleting]);
    return { fileId: input.fileId, deleted: !kept };
  }

  async function raceMany(race: Race): Promise<void> {
    const rounds: { fileId: string; deleted: boolean }[] = [];
    for (let start = 0; start < ROUNDS; start += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, ROUNDS - start) }, (_, i) => round(race, start + i));
      rounds.push(...(await Promise.all(batch)));
    }
    for (const { fileId, deleted } of rounds) {
      const file = await db.files.find(fileId);
      if (deleted) expect(file?.deletedAt, fileId).not.toBeNull();
      expect(isTerminal(file!.status), `${fileId} ${file!.status}`).toBe(true);
    }
    await expectQuotaMatchesCompleteFiles();
  }

  /** The invariant: in use = the sizes of complete, undeleted files; reserved = 0. */
  async function expectQuotaMatchesCompleteFiles(): Promise<void> {
    for (let owner = 0; owner < OWNERS; owner += 1) {
      const ownerId = `owner-${target.provider}-${owner}`;
      let stored = 0;
      let cursor: string | undefined;
      do {
        const page = await db.files.list({ ownerId, status: 'complete', limit: 1000, ...(cursor ? { cursor } : {}) });
        stored += page.items.reduce((sum, file) => sum + (file.sizeBytes ?? 0), 0);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(await db.users.usage(ownerId), ownerId).toEqual({ quotaBytes: null, usedBytes: stored, reservedBytes: 0 });
    }
  }

  it(`deferred-length PATCH vs DELETE, ${ROUNDS} rounds`, () => raceMany('deferred-patch'), 60_000);
  it(`finish (through to complete) vs DELETE, ${ROUNDS} rounds`, () => raceMany('finish'), 60_000);
  it(`creation vs DELETE, ${ROUNDS} rounds`, () => raceMany('creation'), 60_000);
});

/** Yields to the event loop (and so to the other side's queries) `n` times. */
async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await hop();
}
function hop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
