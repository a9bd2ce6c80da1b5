import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from './prisma-client.js';
import type { Database } from './repositories.js';
import { at, T0, TEST_TARGETS, scanClean, migratedDatabase, newUpload } from './test-databases.fixture.js';

describe.each(TEST_TARGETS)('outbox on $provider', (target) => {
  let db: Database;
  /** Raw access, to plant rows the repositories would never write. */
  let prisma: PrismaClient;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, prisma, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  async function upload(owner = 'owner-outbox') {
    const input = newUpload({ ownerId: owner, totalSize: 100, chunkSize: 100, reserveBytes: 100 });
    await db.uploads.create(input);
    return { uploadId: input.uploadId, fileId: input.fileId };
  }
  async function scanning() {
    const ids = await upload();
    expect(await db.uploads.finish(ids.uploadId, 100, at(1))).toBe(true);
    expect(await db.files.transition(ids.fileId, 'scanning', at(2))).toBe(true);
    return ids;
  }
  const eventsOf = (fileId: string) => db.outbox.listByFile(fileId);

  it('writes one event, due at once, for each terminal transition that applied, and none for the others', async () => {
    const { fileId } = await scanning();
    expect(await eventsOf(fileId)).toEqual([]); // assembling, scanning: not reported
    await scanClean(db, fileId, at(3));
    expect(await db.files.transition(fileId, 'complete', at(4))).toBe(true);
    expect(await db.files.transition(fileId, 'complete', at(5))).toBe(false);
    expect(await db.files.transition(fileId, 'failed', at(6), { failureReason: 'terminated' })).toBe(false);
    expect(await eventsOf(fileId)).toEqual([
      { id: `${fileId}.file.complete`, type: 'file.complete', fileId, createdAt: at(4), attempts: 0, nextAttemptAt: at(4), deliveredAt: null, lastError: null },
    ]);

    for (const [to, type] of [
      ['quarantined', 'file.quarantined'],
      ['scan_failed', 'file.scan_failed'],
      ['rejected', 'file.rejected'],
      ['failed', 'file.failed'],
    ] as const) {
      const other = await scanning();
      expect(await db.files.transition(other.fileId, to, at(7))).toBe(true);
      expect(await db.files.transition(other.fileId, to, at(8))).toBe(false);
      expect((await eventsOf(other.fileId)).map((e) => e.type)).toEqual([type]);
    }
  });

  it('of racing terminal transitions, writes the event of the one that applied only', async () => {
    const { fileId } = await scanning();
    const results = await Promise.all(
      (['failed', 'quarantined', 'scan_failed', 'failed', 'rejected'] as const).map((to) => db.files.transition(fileId, to, at(10))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const file = await db.files.find(fileId);
    expect((await eventsOf(fileId)).map((e) => e.type)).toEqual([`file.${file!.status}`]);
  });

  it('writes the event of an abort that applied, once, and none when the abort did not apply', async () => {
    const expired = await upload();
    expect(await db.uploads.abort(expired.uploadId, 'failed', 'expired', at(5))).toBe(true);
    expect(await db.uploads.abort(expired.uploadId, 'rejected', null, at(6))).toBe(false);
    expect((await eventsOf(expired.fileId)).map((e) => e.type)).toEqual(['file.failed']);

    const rejected = await upload();
    expect(await db.uploads.abort(rejected.uploadId, 'rejected', null, at(5))).toBe(true);
    expect((await eventsOf(rejected.fileId)).map((e) => e.type)).toEqual(['file.rejected']);

    const finished = await upload();
    expect(await db.uploads.finish(finished.uploadId, 100, at(1))).toBe(true);
    expect(await db.uploads.abort(finished.uploadId, 'failed', 'terminated', at(5))).toBe(false);
    expect(await eventsOf(finished.fileId)).toEqual([]);
  });

  it('writes the event in the transaction of the change: when the event cannot be written, the change is undone', async () => {
    const { fileId } = await scanning();
    // A row the repositories would never write before the change: its id collides.
    await prisma.outboxEvent.create({
      data: { id: `${fileId}.file.failed`, type: 'file.failed', fileId, createdAt: T0, nextAttemptAt: null, deliveredAt: T0 },
    });
    const before = await db.users.usage('owner-outbox');
    await expect(db.files.transition(fileId, 'failed', at(9), { failureReason: 'terminated' })).rejects.toThrow();
    expect(await db.files.find(fileId)).toMatchObject({ status: 'scanning', failureReason: null });
    expect(await db.users.usage('owner-outbox')).toEqual(before); // the quota settlement rolled back too

    const open = await upload();
    await prisma.outboxEvent.create({
      data: { id: `${open.fileId}.file.rejected`, type: 'file.rejected', fileId: open.fileId, createdAt: T0, nextAttemptAt: null, deliveredAt: T0 },
    });
    await expect(db.uploads.abort(open.uploadId, 'rejected', null, at(9))).rejects.toThrow();
    expect(await db.uploads.find(open.uploadId)).toMatchObject({ upload: { status: 'open' }, file: { status: 'pending' } });
  });

  describe('delivery bookkeeping', () => {
    /** A fresh terminal event due at `when`; the outbox is shared by the tests above, so each test only looks at its own ids. */
    async function eventDue(when: Date): Promise<string> {
      const ids = await upload();
      await db.uploads.abort(ids.uploadId, 'failed', 'expired', when);
      return `${ids.fileId}.file.failed`;
    }
    const claimAll = async (now: Date) => (await db.outbox.claimDue(now, 1000, 60_000)).map((e) => e.id);

    it('lets exactly one of racing notifiers claim a due row, for a lease', async () => {
      const ids = await Promise.all([1, 2, 3].map(() => eventDue(at(100_000))));
      const now = at(100_001);
      const claims = await Promise.all([1, 2, 3, 4].map(() => claimAll(now)));
      const mine = claims.flat().filter((id) => ids.includes(id));
      expect(mine.sort()).toEqual([...ids].sort()); // each once, by one claimer
      const [claimed] = await eventsOf(ids[0]!.replace(/\.file\.failed$/, ''));
      expect(claimed).toMatchObject({ attempts: 1, nextAttemptAt: new Date(now.getTime() + 60_000), deliveredAt: null });
      // Not due during the lease; due again after it (the claimer died).
      expect((await claimAll(at(100_002))).filter((id) => ids.includes(id))).toEqual([]);
      const again = (await claimAll(at(200_000))).filter((id) => ids.includes(id));
      expect(again.sort()).toEqual([...ids].sort());
    });

    it('marks delivered once, reschedules, gives up, and purges only delivered rows', async () => {
      const [delivered, retried, abandoned] = await Promise.all([1, 2, 3].map(() => eventDue(at(300_000))));
      await claimAll(at(300_001));
      expect(await db.outbox.markDelivered(delivered!, at(300_002))).toBe(true);
      expect(await db.outbox.markDelivered(delivered!, at(300_003))).toBe(false);
      expect(await db.outbox.reschedule(delivered!, at(300_004), 'late')).toBe(false); // delivered stays delivered
      expect(await db.outbox.reschedule(retried!, at(305_000), 'the receiver answered 500')).toBe(true);
      expect(await db.outbox.reschedule(abandoned!, null, 'gave up')).toBe(true);

      const due = (now: Date) => claimAll(now).then((list) => list.filter((id) => [delivered, retried, abandoned].includes(id)));
      expect(await due(at(304_999))).toEqual([]);
      expect(await due(at(305_000))).toEqual([retried]);
      const [row] = await eventsOf(retried!.replace(/\.file\.failed$/, ''));
      expect(row).toMatchObject({ attempts: 2, lastError: 'the receiver answered 500' });
      expect(await due(at(10 ** 9))).toEqual([retried]); // the abandoned one never again

      expect(await db.outbox.purgeDelivered(at(300_002), 1000)).toBeGreaterThanOrEqual(0);
      expect(await eventsOf(delivered!.replace(/\.file\.failed$/, ''))).toHaveLength(1); // delivered at the cut-off: kept
      await db.outbox.purgeDelivered(at(300_003), 1000);
      expect(await eventsOf(delivered!.replace(/\.file\.failed$/, ''))).toEqual([]);
      expect(await eventsOf(abandoned!.replace(/\.file\.failed$/, ''))).toHaveLength(1); // never delivered: kept
      const backlog = await db.outbox.backlog();
      expect(backlog.given_up).toBe(1);
      expect(backlog.pending).toBeGreaterThanOrEqual(1); // `retried`, claimed but not delivered
      // The same figures as Prisma's own aggregate over every row the earlier tests left.
      const waiting = { deliveredAt: null, nextAttemptAt: { not: null } };
      const expected = await prisma.outboxEvent.aggregate({ where: waiting, _count: { _all: true }, _min: { createdAt: true } });
      expect(backlog).toEqual({ pending: expected._count._all, given_up: 1, oldestPendingAt: expected._min.createdAt });
      expect(backlog.oldestPendingAt).toBeInstanceOf(Date);
    });
  });
});
