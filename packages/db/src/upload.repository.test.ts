import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from './prisma-errors.js';
import type { Database, NewUpload } from './repositories.js';
import { at, T0, TEST_TARGETS, migratedDatabase, uniqueId } from './test-databases.fixture.js';

describe.each(TEST_TARGETS)('UploadRepository on $provider', (target) => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  function newUpload(overrides: Partial<NewUpload> = {}): NewUpload {
    return {
      uploadId: uniqueId('up'),
      fileId: uniqueId('file'),
      ownerId: 'owner-1',
      originalFilename: 'report.pdf',
      declaredType: 'application/pdf',
      expectedSha256: 'a'.repeat(64),
      totalSize: 2 ** 33 + 7, // > 2^32: must survive BIGINT both ways
      chunkSize: 8 * 1024 * 1024,
      expiresAt: at(60_000),
      now: T0,
      reserveBytes: 2 ** 33 + 7,
      defaultQuota: 2 ** 40,
      uploadMetadata: 'filename cmVwb3J0LnBkZg==,project YWlybG9jaw==',
      ...overrides,
    };
  }

  const chunk = (bytesReceived: number, offsetMs: number) => ({
    bytesReceived,
    at: at(offsetMs),
    expiresAt: at(offsetMs + 60_000),
  });

  it('creates a pending file and its session, and finds them again', async () => {
    const input = newUpload();
    const created = await db.uploads.create(input);
    expect(created.upload).toEqual({
      id: input.uploadId,
      fileId: input.fileId,
      ownerId: 'owner-1',
      totalSize: 2 ** 33 + 7,
      bytesReceived: 0,
      chunkSize: 8 * 1024 * 1024,
      status: 'open',
      concatRole: null,
      concatParts: null,
      uploadMetadata: 'filename cmVwb3J0LnBkZg==,project YWlybG9jaw==',
      expiresAt: at(60_000),
      lastActivityAt: T0,
      createdAt: T0,
      updatedAt: T0,
    });
    expect(created.file).toEqual({
      id: input.fileId,
      ownerId: 'owner-1',
      originalFilename: 'report.pdf',
      declaredType: input.declaredType,
      sizeBytes: 2 ** 33 + 7,
      mimeType: null,
      // The client's claim is kept apart: nothing is verified before the scan.
      expectedSha256: 'a'.repeat(64),
      checksumSha256: null,
      scan: { result: null, signature: null, attempts: 0, scannedAt: null },
      status: 'pending',
      failureReason: null,
      storagePath: null,
      deletedAt: null,
      purgedAt: null,
      createdAt: T0,
      updatedAt: T0,
    });
    expect(await db.uploads.find(input.uploadId)).toEqual(created);
    expect(await db.files.find(input.fileId)).toEqual(created.file);
    expect(await db.uploads.find('no-such-upload')).toBeNull();
  });

  it('refuses a duplicate id and leaves nothing of the failed create', async () => {
    const first = newUpload();
    await db.uploads.create(first);
    const duplicate = newUpload({ uploadId: first.uploadId });
    const error = await db.uploads.create(duplicate).catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
    // The file row was inserted before the session failed: the transaction must undo it.
    expect(await db.files.find(duplicate.fileId)).toBeNull();
    expect(isUniqueViolation(new Error('other'))).toBe(false);
  });

  it('records chunks monotonically and moves pending → uploading', async () => {
    const input = newUpload();
    await db.uploads.create(input);
    const first = await db.uploads.recordChunk(input.uploadId, chunk(1000, 1000));
    expect(first?.upload.bytesReceived).toBe(1000);
    expect(first?.file.status).toBe('uploading');
    expect(first?.file.updatedAt).toEqual(at(1000));
    expect(first?.upload.expiresAt).toEqual(at(61_000));

    // A stale, smaller offset never lowers the count but still counts as activity.
    const stale = await db.uploads.recordChunk(input.uploadId, chunk(400, 2000));
    expect(stale?.upload.bytesReceived).toBe(1000);
    expect(stale?.upload.lastActivityAt).toEqual(at(2000));

    const big = await db.uploads.recordChunk(input.uploadId, chunk(2 ** 33, 3000));
    expect(big?.upload.bytesReceived).toBe(2 ** 33);
    expect(big?.file.status).toBe('uploading');
    expect(await db.uploads.recordChunk('no-such-upload', chunk(1, 0))).toBeNull();
  });

  it('records a chunk from the view the caller holds exactly as a re-read would show it', async () => {
    const input = newUpload({ totalSize: 3000, reserveBytes: 3000 });
    let known = await db.uploads.create(input);
    for (const [offset, when] of [
      [1000, 1000],
      [400, 2000],
      [3000, 3000],
    ] as const) {
      const recorded = await db.uploads.recordChunk(input.uploadId, chunk(offset, when), known);
      expect(recorded, `chunk to ${offset}`).toEqual(await db.uploads.find(input.uploadId));
      known = recorded!;
    }
    // The chunk that completes it leaves the file for finish (pending → assembling, here uploading → assembling).
    expect(known.file.status).toBe('uploading');
    const whole = newUpload({ totalSize: 10, reserveBytes: 10 });
    const completed = await db.uploads.recordChunk(whole.uploadId, chunk(10, 10), await db.uploads.create(whole));
    expect(completed?.file.status).toBe('pending');
    expect(completed).toEqual(await db.uploads.find(whole.uploadId));
    expect(await db.uploads.finish(whole.uploadId, 10, at(20))).toBe(true);
    expect((await db.uploads.find(whole.uploadId))?.file.status).toBe('assembling');
    // Not open any more: null, as without a view.
    expect(await db.uploads.recordChunk(whole.uploadId, chunk(10, 30), completed!)).toBeNull();
  });

  it('keeps a file pending while no byte has arrived', async () => {
    const input = newUpload();
    await db.uploads.create(input);
    const view = await db.uploads.recordChunk(input.uploadId, chunk(0, 500));
    expect(view?.file.status).toBe('pending');
    expect(view?.upload.lastActivityAt).toEqual(at(500));
  });

  it('declares a deferred length once', async () => {
    const input = newUpload({ totalSize: null });
    const created = await db.uploads.create(input);
    expect(created.upload.totalSize).toBeNull();
    expect(created.file.sizeBytes).toBeNull();
    expect(await db.uploads.declareLength(input.uploadId, 2 ** 40, at(10))).toBe(true);
    expect(await db.uploads.declareLength(input.uploadId, 5, at(20))).toBe(false);
    expect((await db.uploads.find(input.uploadId))?.upload.totalSize).toBe(2 ** 40);
    expect(await db.uploads.declareLength('no-such-upload', 5, at(20))).toBe(false);
  });

  it('finishes once: session closed, file assembling with its final size', async () => {
    const input = newUpload({ totalSize: 5000 });
    await db.uploads.create(input);
    await db.uploads.recordChunk(input.uploadId, chunk(5000, 100));
    expect(await db.uploads.finish(input.uploadId, 5000, at(200))).toBe(true);
    const view = await db.uploads.find(input.uploadId);
    expect(view?.file).toMatchObject({ status: 'assembling', sizeBytes: 5000, updatedAt: at(200) });
    expect(view?.upload).toMatchObject({ bytesReceived: 5000, status: 'finished', updatedAt: at(200) });

    expect(await db.uploads.finish(input.uploadId, 5000, at(300))).toBe(false);
    expect(await db.uploads.recordChunk(input.uploadId, chunk(6000, 400))).toBeNull();
    expect(await db.uploads.abort(input.uploadId, 'failed', 'terminated', at(500))).toBe(false);
    expect((await db.files.find(input.fileId))?.status).toBe('assembling');
  });

  it('lets exactly one of several concurrent finishes win', async () => {
    const input = newUpload();
    await db.uploads.create(input);
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => db.uploads.finish(input.uploadId, 10, at(i))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await db.files.find(input.fileId))?.status).toBe('assembling');
  });

  it('does not finish (and changes nothing) when the file already left pending/uploading', async () => {
    const input = newUpload();
    await db.uploads.create(input);
    expect(await db.files.transition(input.fileId, 'rejected', at(10))).toBe(true);
    expect(await db.uploads.finish(input.uploadId, 10, at(20))).toBe(false);
    // The session update was rolled back: it is still open and accepts progress.
    const view = await db.uploads.recordChunk(input.uploadId, chunk(10, 30));
    expect(view?.upload).toMatchObject({ bytesReceived: 10, status: 'open' });
    expect(view?.file).toMatchObject({ status: 'rejected', sizeBytes: 2 ** 33 + 7 });
  });

  it('discards a failed creation: rows gone, reservation released; never a finished upload', async () => {
    const owner = uniqueId('owner');
    const input = newUpload({ ownerId: owner, totalSize: 500, reserveBytes: 500 });
    await db.uploads.create(input);
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 500 });
    expect(await db.uploads.discardCreated(input.uploadId)).toBe(true);
    expect(await db.uploads.find(input.uploadId)).toBeNull();
    expect(await db.files.find(input.fileId)).toBeNull();
    expect(await db.users.usage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
    expect(await db.uploads.discardCreated(input.uploadId)).toBe(false);

    const finished = newUpload({ ownerId: owner, totalSize: 5, reserveBytes: 5 });
    await db.uploads.create(finished);
    await db.uploads.finish(finished.uploadId, 5, at(1));
    expect(await db.uploads.discardCreated(finished.uploadId)).toBe(false);
    expect(await db.uploads.find(finished.uploadId)).not.toBeNull();
  });

  it('aborts an open upload once', async () => {
    const input = newUpload();
    await db.uploads.create(input);
    await db.uploads.recordChunk(input.uploadId, chunk(10, 10));
    expect(await db.uploads.abort(input.uploadId, 'failed', 'expired', at(20))).toBe(true);
    expect(await db.files.find(input.fileId)).toMatchObject({
      status: 'failed',
      failureReason: 'expired',
      updatedAt: at(20),
    });
    expect((await db.uploads.find(input.uploadId))?.upload.status).toBe('aborted');
    expect(await db.uploads.abort(input.uploadId, 'rejected', null, at(30))).toBe(false);
    expect(await db.uploads.recordChunk(input.uploadId, chunk(20, 40))).toBeNull();
    expect(await db.uploads.finish(input.uploadId, 20, at(50))).toBe(false);
    expect((await db.files.find(input.fileId))?.status).toBe('failed');
  });

  it('rejects an upload through abort with no reason', async () => {
    const input = newUpload();
    await db.uploads.create(input);
    expect(await db.uploads.abort(input.uploadId, 'rejected', null, at(5))).toBe(true);
    expect(await db.files.find(input.fileId)).toMatchObject({ status: 'rejected', failureReason: null });
  });
});
