import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuotaExceededError } from './quota.js';
import type { Database, NewUpload } from './repositories.js';
import { at, T0, TEST_TARGETS, migratedDatabase, scanClean, uniqueId } from './test-databases.fixture.js';

const QUOTA = 1000;

describe.each(TEST_TARGETS)('quotas on $provider', (target) => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  const upload = (ownerId: string, bytes: number | null): NewUpload => ({
    uploadId: uniqueId('up'),
    fileId: uniqueId('file'),
    ownerId,
    originalFilename: null,
    declaredType: null,
    expectedSha256: null,
    totalSize: bytes,
    chunkSize: 100,
    expiresAt: at(60_000),
    now: T0,
    reserveBytes: bytes ?? 0,
    defaultQuota: QUOTA,
  });

  it('lets exactly one of two racing reservations that only fit alone through', async () => {
    const owner = uniqueId('owner');
    const results = await Promise.allSettled([db.uploads.create(upload(owner, 600)), db.uploads.create(upload(owner, 600))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(QuotaExceededError);
    expect(await db.users.usage(owner)).toEqual({ quotaBytes: null, usedBytes: 0, reservedBytes: 600 });
  });

  it('releases a reservation exactly once when an upload ends, and counts a complete file as stored', async () => {
    const owner = uniqueId('owner');
    const failed = await db.uploads.create(upload(owner, 300));
    const done = await db.uploads.create(upload(owner, 200));
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 500, usedBytes: 0 });

    expect(await db.uploads.abort(failed.upload.id, 'failed', 'terminated', at(1))).toBe(true);
    expect(await db.uploads.abort(failed.upload.id, 'failed', 'expired', at(2))).toBe(false);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 200, usedBytes: 0 });

    expect(await db.uploads.finish(done.upload.id, 200, at(3))).toBe(true);
    expect(await db.files.transition(done.file.id, 'scanning', at(4))).toBe(true);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 200, usedBytes: 0 });
    await scanClean(db, done.file.id, at(4));
    expect(await db.files.transition(done.file.id, 'complete', at(5))).toBe(true);
    expect(await db.files.transition(done.file.id, 'complete', at(6))).toBe(false);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 200 });

    expect(await db.files.markDeleted(done.file.id, at(7))).toBe(true);
    expect(await db.files.markDeleted(done.file.id, at(8))).toBe(false);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
  });

  it("grows a deferred upload's reservation within the quota, refusing past it", async () => {
    const owner = uniqueId('owner');
    const deferred = await db.uploads.create(upload(owner, null));
    await db.uploads.reserveUpTo(deferred.upload.id, 400, QUOTA, at(1));
    await db.uploads.reserveUpTo(deferred.upload.id, 300, QUOTA, at(2)); // never shrinks
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 400 });
    await expect(db.uploads.reserveUpTo(deferred.upload.id, QUOTA + 1, QUOTA, at(3))).rejects.toBeInstanceOf(QuotaExceededError);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 400 });
  });

  it('uses a per-user override instead of the default', async () => {
    const owner = uniqueId('owner');
    await db.users.setQuota(owner, 50, at(0));
    await expect(db.uploads.create(upload(owner, 60))).rejects.toBeInstanceOf(QuotaExceededError);
    await db.uploads.create(upload(owner, 50));
    expect(await db.users.usage(owner)).toEqual({ quotaBytes: 50, usedBytes: 0, reservedBytes: 50 });
  });

  it('counts partial uploads once when they are concatenated, and refuses incomplete ones', async () => {
    const owner = uniqueId('owner');
    const parts = [
      await db.uploads.create({ ...upload(owner, 300), concatRole: 'partial' }),
      await db.uploads.create({ ...upload(owner, 200), concatRole: 'partial' }),
    ];
    // reserveBytes is what repeated partials add (none here): the partials' reservations move over.
    const finalInput = { ...upload(owner, 500), reserveBytes: 0, concatRole: 'final' as const };
    await expect(
      db.uploads.concatenate(
        finalInput,
        parts.map((p) => p.upload.id),
      ),
    ).rejects.toThrow(/not complete/);
    expect(await db.uploads.find(finalInput.uploadId)).toBeNull();

    for (const part of parts) await db.uploads.recordChunk(part.upload.id, { bytesReceived: part.upload.totalSize!, at: at(1), expiresAt: at(60_000) });
    const final = await db.uploads.concatenate(
      { ...finalInput, uploadId: uniqueId('up'), fileId: uniqueId('file') },
      parts.map((p) => p.upload.id),
    );
    expect(final.upload).toMatchObject({ concatRole: 'final', status: 'open', totalSize: 500 });
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 500 });
    for (const part of parts) expect((await db.uploads.find(part.upload.id))?.upload.status).toBe('aborted');
    expect((await db.files.list({ ownerId: owner, limit: 10 })).items.map((f) => f.id)).toEqual([final.file.id]);

    // Finishing the final moves the whole reservation through the pipeline, released once.
    expect(await db.uploads.finish(final.upload.id, 500, at(2))).toBe(true);
    expect(await db.files.transition(final.file.id, 'rejected', at(3))).toBe(true);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
    await expect(db.uploads.concatenate({ ...finalInput, uploadId: uniqueId('up'), fileId: uniqueId('file') }, [parts[0]!.upload.id])).rejects.toThrow(
      /not an open partial/,
    );
  });
});
