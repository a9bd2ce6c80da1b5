import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './repositories.js';
import { at, T0, TEST_TARGETS, migratedDatabase, uniqueId } from './test-databases.fixture.js';

describe.each(TEST_TARGETS)('StatsRepository on $provider', (target) => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  async function upload(): Promise<{ uploadId: string; fileId: string }> {
    const ids = { uploadId: uniqueId('up'), fileId: uniqueId('file') };
    await db.uploads.create({
      ...ids,
      ownerId: 'owner-stats',
      originalFilename: null,
      declaredType: null,
      expectedSha256: null,
      totalSize: 10,
      chunkSize: 10,
      expiresAt: at(60_000),
      now: T0,
      reserveBytes: 10,
      defaultQuota: 10 ** 12,
    });
    return ids;
  }
  async function scanning(): Promise<string> {
    const { uploadId, fileId } = await upload();
    expect(await db.uploads.finish(uploadId, 10, at(1))).toBe(true);
    expect(await db.files.transition(fileId, 'scanning', at(2))).toBe(true);
    return fileId;
  }
  const total = async (status: string, reason: string | null) =>
    (await db.stats.terminalTotals()).find((row) => row.status === status && row.reason === reason)?.count ?? 0;

  it('counts files in flight by status, terminal ones not', async () => {
    const before = await db.stats.countInFlight();
    await upload();
    const fileId = await scanning();
    await db.files.transition(fileId, 'quarantined', at(3));
    const after = await db.stats.countInFlight();
    expect(after.pending - before.pending).toBe(1);
    expect(after.scanning - before.scanning).toBe(0);
    expect(Object.keys(after).sort()).toEqual(['assembling', 'pending', 'scanning', 'uploading']);
  });

  it('keeps terminal totals with each change that applied: concurrent first changes of a status all count, a lost race does not', async () => {
    const before = await total('scan_failed', null);
    const files = await Promise.all([1, 2, 3, 4, 5].map(() => scanning()));
    // The first scan_failed files ever, at once: the upsert of the totals row fails none of them.
    const moved = await Promise.all(files.map((fileId) => db.files.transition(fileId, 'scan_failed', at(5))));
    expect(moved).toEqual([true, true, true, true, true]);
    // Racing changes of one file: one applies, one is counted.
    const raced = await scanning();
    const race = await Promise.all([db.files.transition(raced, 'scan_failed', at(6)), db.files.transition(raced, 'scan_failed', at(6))]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect((await total('scan_failed', null)) - before).toBe(6);

    const { uploadId } = await upload();
    const expiredBefore = await total('failed', 'expired');
    expect(await db.uploads.abort(uploadId, 'failed', 'expired', at(7))).toBe(true);
    expect(await db.uploads.abort(uploadId, 'failed', 'expired', at(8))).toBe(false);
    expect((await total('failed', 'expired')) - expiredBefore).toBe(1);
  });

  it('keeps the scan histogram per result and bucket with each recorded attempt', async () => {
    const fileId = await scanning();
    const before = await db.stats.scanTotals();
    const row = (rows: typeof before, le: string) => rows.find((r) => r.result === 'error' && r.le === le) ?? { count: 0, sumMs: 0 };
    for (const [attempt, durationMs] of [[1, 40], [2, 3_000], [3, 200_000]] as const) {
      await db.files.recordScan({ fileId, attempt, result: 'error', signature: null, engineVersion: null, durationMs, detail: 'x', at: at(10 + attempt) }, null);
    }
    const after = await db.stats.scanTotals();
    expect(row(after, '0.05').count - row(before, '0.05').count).toBe(1);
    expect(row(after, '5').count - row(before, '5').count).toBe(1);
    expect(row(after, '+Inf').count - row(before, '+Inf').count).toBe(1);
    expect(row(after, '+Inf').sumMs - row(before, '+Inf').sumMs).toBe(200_000);
  });
});
