import type { FileStatus } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './repositories.js';
import { at, T0, TEST_TARGETS, migratedDatabase, scanClean, uniqueId } from './test-databases.fixture.js';

describe.each(TEST_TARGETS)('FileRepository on $provider', (target) => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  /** A file walked to `status` along allowed transitions; returns its id. */
  async function fileIn(status: 'pending' | 'assembling' | 'scanning' | 'complete', now = T0): Promise<string> {
    const fileId = uniqueId('file');
    await db.uploads.create({
      uploadId: uniqueId('up'),
      fileId,
      ownerId: 'owner-2',
      originalFilename: null,
      declaredType: null,
      expectedSha256: null,
      totalSize: 100,
      chunkSize: 100,
      expiresAt: at(60_000),
      now,
      reserveBytes: 100,
      defaultQuota: 10 ** 12,
    });
    const path: FileStatus[] = ['assembling', 'scanning', 'complete'];
    for (const next of path.slice(0, path.indexOf(status as FileStatus) + 1)) {
      if (next === 'complete') await scanClean(db, fileId, now);
      expect(await db.files.transition(fileId, next, now)).toBe(true);
    }
    return fileId;
  }

  it('moves along allowed transitions, applying the patch in the same update', async () => {
    const fileId = await fileIn('assembling');
    expect(await db.files.transition(fileId, 'scanning', at(10), { mimeType: 'application/pdf' })).toBe(true);
    const patch = { checksumSha256: 'b'.repeat(64), storagePath: 'clean/x', sizeBytes: 2 ** 35 };
    await scanClean(db, fileId, at(15));
    expect(await db.files.transition(fileId, 'complete', at(20), patch)).toBe(true);
    expect(await db.files.find(fileId)).toMatchObject({
      status: 'complete',
      mimeType: 'application/pdf',
      ...patch,
      failureReason: null,
      updatedAt: at(20),
      createdAt: T0,
    });
  });

  it('never makes a file complete without a clean scan, in the same conditional update', async () => {
    const unscanned = await fileIn('scanning');
    expect(await db.files.transition(unscanned, 'complete', at(10), { storagePath: 'x' })).toBe(false);
    const scan = (fileId: string, attempt: number, result: 'infected' | 'error' | 'clean') =>
      db.files.recordScan(
        { fileId, attempt, result, signature: result === 'infected' ? 'Test.EICAR' : null, engineVersion: null, durationMs: 1, detail: '', at: at(attempt) },
        null,
      );
    const infected = await fileIn('scanning');
    await scan(infected, 1, 'infected');
    const failed = await fileIn('scanning');
    await scan(failed, 1, 'error');
    for (const fileId of [unscanned, infected, failed]) {
      expect(await db.files.transition(fileId, 'complete', at(20), { storagePath: 'x' })).toBe(false);
      expect(await db.files.find(fileId)).toMatchObject({ status: 'scanning', storagePath: null });
    }
    // A clean attempt after a failed one is what counts (the summary holds the latest).
    await scan(failed, 2, 'clean');
    expect(await db.files.transition(failed, 'complete', at(30))).toBe(true);
  });

  it('lets exactly one of 5 concurrent transitions to the same status win', async () => {
    const fileId = await fileIn('assembling');
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => db.files.transition(fileId, 'scanning', at(i), { mimeType: `type/${i}` })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true) + 1;
    expect(await db.files.find(fileId)).toMatchObject({ status: 'scanning', mimeType: `type/${winner}` });
  });

  it('refuses transitions the state machine does not allow, changing nothing', async () => {
    const pending = await fileIn('pending');
    const before = await db.files.find(pending);
    expect(await db.files.transition(pending, 'complete', at(10), { storagePath: 'x' })).toBe(false);
    expect(await db.files.transition(pending, 'scanning', at(10))).toBe(false);
    expect(await db.files.transition(pending, 'pending', at(10))).toBe(false);
    expect(await db.files.find(pending)).toEqual(before);

    const complete = await fileIn('complete');
    const done = await db.files.find(complete);
    expect(await db.files.transition(complete, 'failed', at(10), { failureReason: 'expired' })).toBe(false);
    expect(await db.files.transition(complete, 'quarantined', at(10))).toBe(false);
    expect(await db.files.find(complete)).toEqual(done);

    expect(await db.files.transition('no-such-file', 'failed', at(10))).toBe(false);
    expect(await db.files.find('no-such-file')).toBeNull();
  });

  it('records a failure reason and clears fields set to null', async () => {
    const fileId = await fileIn('scanning');
    expect(await db.files.transition(fileId, 'failed', at(5), { failureReason: 'checksum_mismatch', sizeBytes: null })).toBe(true);
    expect(await db.files.find(fileId)).toMatchObject({ status: 'failed', failureReason: 'checksum_mismatch', sizeBytes: null });
  });

  it('lists stale files in the given statuses, oldest first, up to the limit', async () => {
    // Far in the past, so files created by other tests (at T0) are never "stale" here.
    const old = (year: number) => new Date(`${year}-06-01T00:00:00.123Z`);
    const a = await fileIn('pending', old(1991));
    const b = await fileIn('assembling', old(1990));
    const c = await fileIn('pending', old(1992));
    await fileIn('scanning', old(1989)); // wrong status
    await fileIn('pending', old(1999)); // too recent

    const before = new Date('1995-01-01T00:00:00Z');
    const stale = await db.files.listStale(['pending', 'assembling'], before, 10);
    expect(stale.map((file) => file.id)).toEqual([b, a, c]);
    expect(stale[0]?.updatedAt).toEqual(old(1990));
    expect((await db.files.listStale(['pending', 'assembling'], before, 2)).map((file) => file.id)).toEqual([b, a]);
    expect((await db.files.listStale(['pending'], before, 10)).map((file) => file.id)).toEqual([a, c]);
    expect(await db.files.listStale([], before, 10)).toEqual([]);
  });

  it('serves stale files never re-enqueued first, then the least recently re-enqueued, none re-enqueued since the cutoff', async () => {
    const year = (iso: string) => new Date(`${iso}T00:00:00Z`);
    const x = await fileIn('assembling', year('1970-01-01'));
    const y = await fileIn('scanning', year('1971-01-01'));
    const z = await fileIn('assembling', year('1972-01-01'));
    const stale = async (before: string) => (await db.files.listStale(['assembling', 'scanning'], year(before), 10)).map((file) => file.id);
    expect(await stale('1975-01-01')).toEqual([x, y, z]);
    // x and y were re-enqueued (and kept failing): z, never re-enqueued, goes first.
    await db.files.markReconciled([x, y], year('1973-01-01'));
    expect(await stale('1975-01-01')).toEqual([z, x, y]);
    await db.files.markReconciled([z], year('1973-06-01'));
    await db.files.markReconciled([x], year('1974-01-01'));
    expect(await stale('1975-01-01')).toEqual([y, z, x]);
    // Re-enqueued after the cutoff: not yet again.
    expect(await stale('1973-03-01')).toEqual([y]);
    await db.files.markReconciled([], year('1974-01-01'));
  });

  it('counts the attempts of a stage while the file is in its status, across racing deliveries', async () => {
    const fileId = await fileIn('assembling');
    expect(await db.files.countAttempt(fileId, 'validate', 'assembling')).toBe(1);
    const racing = await Promise.all(Array.from({ length: 5 }, () => db.files.countAttempt(fileId, 'validate', 'assembling')));
    expect([...racing].sort()).toEqual([2, 3, 4, 5, 6]);
    expect(await db.files.countAttempt(fileId, 'promote', 'scanning')).toBeNull();
    expect(await db.files.transition(fileId, 'scanning', at(1))).toBe(true);
    expect(await db.files.countAttempt(fileId, 'validate', 'assembling')).toBeNull();
    expect(await db.files.countAttempt(fileId, 'promote', 'scanning')).toBe(1);
    expect(await db.files.countAttempt(uniqueId('missing'), 'promote', 'scanning')).toBeNull();
  });

  it('keeps every scan attempt and summarises the latest while scanning', async () => {
    const fileId = await fileIn('scanning');
    const attempt = (n: number, result: 'clean' | 'error', ms: number) => ({
      fileId,
      attempt: n,
      result,
      signature: null,
      engineVersion: 'ClamAV 1.4.6',
      durationMs: 12,
      detail: result === 'clean' ? 'stream: OK' : 'no answer within 50 ms',
      at: at(ms),
    });
    expect(await db.files.recordScan(attempt(1, 'error', 100), null)).toBe(true);
    expect(await db.files.recordScan(attempt(2, 'clean', 200), 'c'.repeat(64))).toBe(true);
    expect(await db.files.find(fileId)).toMatchObject({
      checksumSha256: 'c'.repeat(64),
      scan: { result: 'clean', signature: null, attempts: 2, scannedAt: at(200) },
    });
    expect((await db.files.listScans(fileId)).map((scan) => [scan.attempt, scan.result])).toEqual([
      [1, 'error'],
      [2, 'clean'],
    ]);

    // Once the file has moved on, an attempt (a late re-delivery) is audited but changes nothing.
    expect(await db.files.transition(fileId, 'complete', at(300))).toBe(true);
    expect(await db.files.recordScan(attempt(3, 'error', 400), null)).toBe(false);
    expect((await db.files.find(fileId))?.scan).toMatchObject({ result: 'clean', attempts: 2 });
    expect(await db.files.listScans(fileId)).toHaveLength(3);
  });

  it('keeps the SHA-256 of an infected file in its row and in the audit row of the attempt', async () => {
    const fileId = await fileIn('scanning');
    const infected = {
      fileId,
      attempt: 1,
      result: 'infected' as const,
      signature: 'Eicar-Signature',
      engineVersion: null,
      durationMs: 3,
      detail: null,
      at: at(50),
    };
    expect(await db.files.recordScan(infected, 'e'.repeat(64))).toBe(true);
    expect(await db.files.transition(fileId, 'quarantined', at(60))).toBe(true);
    expect(await db.files.find(fileId)).toMatchObject({
      status: 'quarantined',
      checksumSha256: 'e'.repeat(64),
      scan: { result: 'infected', signature: 'Eicar-Signature' },
    });
    expect(await db.files.listScans(fileId)).toEqual([{ ...infected, sha256: 'e'.repeat(64) }]);
    // An attempt whose bytes could not be read whole records no hash, and leaves the file's alone.
    expect(await db.files.recordScan({ ...infected, attempt: 2, result: 'error', at: at(70) }, null)).toBe(false);
    expect((await db.files.listScans(fileId)).map((scan) => scan.sha256)).toEqual(['e'.repeat(64), null]);
  });

  it('patches a file only while it is in the expected status', async () => {
    const fileId = await fileIn('scanning');
    expect(await db.files.update(fileId, 'scanning', at(10), { storagePath: 'ab/intent' })).toBe(true);
    expect(await db.files.update(fileId, 'assembling', at(20), { storagePath: 'other' })).toBe(false);
    expect(await db.files.find(fileId)).toMatchObject({ status: 'scanning', storagePath: 'ab/intent', updatedAt: at(10) });
    expect((await db.uploads.findByFile(fileId))?.file.id).toBe(fileId);
    expect(await db.uploads.findByFile('missing')).toBeNull();
  });

  it("pages an owner's files newest first with a cursor, hiding deleted ones", async () => {
    const owner = uniqueId('owner');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const fileId = uniqueId('file');
      ids.push(fileId);
      // Two files share a timestamp: the id breaks the tie, so no row is skipped or repeated.
      await db.uploads.create({
        uploadId: uniqueId('up'),
        fileId,
        ownerId: owner,
        originalFilename: `f${i}`,
        declaredType: null,
        expectedSha256: null,
        totalSize: 1,
        chunkSize: 1,
        expiresAt: at(60_000),
        now: at(i === 4 ? 3 * 1000 : i * 1000),
        reserveBytes: 1,
        defaultQuota: 10 ** 12,
      });
    }
    // Only a terminal file is hidden: one still on its way must be ended first.
    expect(await db.files.markDeleted(ids[1]!, at(8_500))).toBe(false);
    expect(await db.files.transition(ids[1]!, 'failed', at(8_800), { failureReason: 'terminated' })).toBe(true);
    expect(await db.files.markDeleted(ids[1]!, at(9_000))).toBe(true);
    expect(await db.files.markDeleted(ids[1]!, at(9_500))).toBe(false);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await db.files.list({ ownerId: owner, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((file) => file.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(4);
    // A partial upload (tus concatenation) is not a file, on any page.
    const partial = await db.uploads.create({
      uploadId: uniqueId('up'),
      fileId: uniqueId('file'),
      ownerId: owner,
      originalFilename: 'part',
      declaredType: null,
      expectedSha256: null,
      totalSize: 1,
      chunkSize: 1,
      expiresAt: at(60_000),
      now: at(500),
      reserveBytes: 1,
      defaultQuota: 10 ** 12,
      concatRole: 'partial',
    });
    const firstPage = await db.files.list({ ownerId: owner, limit: 1 });
    const rest = await db.files.list({ ownerId: owner, limit: 10, cursor: firstPage.nextCursor! });
    expect([...firstPage.items, ...rest.items].map((file) => file.id)).not.toContain(partial.file.id);
    expect(firstPage.items.length + rest.items.length).toBe(4);
    expect(new Set(seen)).toEqual(new Set([ids[0], ids[2], ids[3], ids[4]]));
    expect(seen.at(-1)).toBe(ids[0]);
    expect((await db.files.list({ ownerId: owner, status: 'complete', limit: 10 })).items).toEqual([]);
    expect((await db.files.find(ids[1]!))?.deletedAt).toEqual(at(9_000));
    // The admin audit lists deleted files too, in the same order and paging.
    const everything = await db.files.list({ ownerId: owner, limit: 10, includeDeleted: true });
    expect(everything.items).toHaveLength(5);
    expect(new Set(everything.items.map((file) => file.id))).toEqual(new Set(ids));
    expect(everything.items.find((file) => file.id === ids[1])?.deletedAt).toEqual(at(9_000));
    await expect(db.files.list({ ownerId: owner, limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow('invalid cursor');
  });
});
