import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './repositories.js';
import { at, TEST_TARGETS, migratedDatabase, newUpload, scanClean } from './test-databases.fixture.js';

describe.each(TEST_TARGETS)('MaintenanceRepository on $provider', (target) => {
  let db: Database;
  let dispose: () => Promise<void>;

  // A fresh database per test: these are whole-table queries, so rows of other tests would show.
  beforeEach(async () => {
    ({ db, dispose } = await migratedDatabase(target));
  });
  afterEach(() => dispose?.());

  /** An upload taken to `status`, its last change at `when`. */
  async function fileIn(status: 'assembling' | 'scanning' | 'complete' | 'quarantined' | 'rejected', when: Date) {
    const input = newUpload();
    await db.uploads.create(input);
    await db.uploads.finish(input.uploadId, 10, when);
    if (status === 'rejected') await db.files.transition(input.fileId, 'rejected', when);
    if (status === 'scanning' || status === 'complete' || status === 'quarantined') await db.files.transition(input.fileId, 'scanning', when);
    if (status === 'quarantined') await db.files.transition(input.fileId, 'quarantined', when);
    if (status === 'complete') {
      await scanClean(db, input.fileId, when);
      await db.files.transition(input.fileId, 'complete', when, { storagePath: `${input.fileId.slice(0, 2)}/${input.fileId}` });
    }
    return input;
  }

  it('lists open sessions past their expiry, earliest first, page by page', async () => {
    const late = await db.uploads.create(newUpload({ expiresAt: at(3_000) }));
    const early = await db.uploads.create(newUpload({ expiresAt: at(1_000) }));
    const tie = await db.uploads.create(newUpload({ expiresAt: at(1_000) }));
    await db.uploads.create(newUpload({ expiresAt: at(9_000) })); // not expired at at(5_000)
    const finished = await db.uploads.create(newUpload({ expiresAt: at(500) }));
    await db.uploads.finish(finished.upload.id, 10, at(100)); // expired, but no longer open

    const now = at(5_000);
    const first = await db.maintenance.listExpiredOpen(now, 2);
    const [a, b] = [early, tie].map((v) => v.upload.id).sort();
    expect(first.map((v) => v.upload.id)).toEqual([a, b]);
    expect(first[0]).toMatchObject({ upload: { status: 'open', expiresAt: at(1_000) }, file: { status: 'pending' } });
    const last = first.at(-1)!;
    const second = await db.maintenance.listExpiredOpen(now, 2, { at: last.upload.expiresAt, id: last.upload.id });
    expect(second.map((v) => v.upload.id)).toEqual([late.upload.id]);
    expect(await db.maintenance.listExpiredOpen(now, 0)).toEqual([]);
  });

  it('lists unpurged files of the given statuses not changed since `before`, with their upload', async () => {
    const old = await fileIn('quarantined', at(1_000));
    const older = await fileIn('rejected', at(500));
    await fileIn('quarantined', at(8_000)); // too recent
    await fileIn('complete', at(100)); // status not asked for
    await fileIn('scanning', at(100)); // status not asked for
    const purged = await fileIn('quarantined', at(200));
    await db.files.markPurged(purged.fileId, at(300));

    const statuses = ['quarantined', 'rejected', 'scan_failed', 'failed'] as const;
    const page = await db.maintenance.listPurgeable(statuses, at(5_000), 10);
    expect(page.map((s) => s.file.id)).toEqual([older.fileId, old.fileId]);
    expect(page[0]).toMatchObject({ file: { status: 'rejected', purgedAt: null }, upload: { id: older.uploadId, status: 'finished' } });

    const next = await db.maintenance.listPurgeable(statuses, at(5_000), 1, { at: page[0]!.file.updatedAt, id: page[0]!.file.id });
    expect(next.map((s) => s.file.id)).toEqual([old.fileId]);
    expect(await db.maintenance.listPurgeable([], at(5_000), 10)).toEqual([]);
  });

  it('lists recent unpurged failures of the given reasons only', async () => {
    const expired = await db.uploads.create(newUpload());
    await db.uploads.abort(expired.upload.id, 'failed', 'expired', at(2_000));
    const terminated = await db.uploads.create(newUpload());
    await db.uploads.abort(terminated.upload.id, 'failed', 'terminated', at(2_000));
    const ancient = await db.uploads.create(newUpload());
    await db.uploads.abort(ancient.upload.id, 'failed', 'expired', at(10)); // before `since`
    const gone = await db.uploads.create(newUpload());
    await db.uploads.abort(gone.upload.id, 'failed', 'expired', at(2_500));
    await db.files.markPurged(gone.file.id, at(2_600));

    const found = await db.maintenance.listUnpurgedFailures(['expired'], at(1_000), 10);
    expect(found.map((s) => s.file.id)).toEqual([expired.file.id]);
    expect(found[0]).toMatchObject({ file: { failureReason: 'expired' }, upload: { id: expired.upload.id, status: 'aborted' } });
  });

  it('finds files by upload id, file id and storage path, leaving unknown ones out', async () => {
    const complete = await fileIn('complete', at(100));
    const open = await db.uploads.create(newUpload());
    const key = `${complete.fileId.slice(0, 2)}/${complete.fileId}`;

    const byUpload = await db.maintenance.findByUploadIds([open.upload.id, complete.uploadId, 'no-such-upload']);
    expect(byUpload.map((s) => s.upload?.id).sort()).toEqual([open.upload.id, complete.uploadId].sort());
    const byFile = await db.maintenance.findByFileIds([complete.fileId, 'no-such-file']);
    expect(byFile).toHaveLength(1);
    expect(byFile[0]).toMatchObject({ file: { id: complete.fileId, status: 'complete', storagePath: key }, upload: { id: complete.uploadId } });
    expect((await db.maintenance.findByStoragePaths([key, 'zz/none'])).map((s) => s.file.id)).toEqual([complete.fileId]);
    expect(await db.maintenance.findByUploadIds([])).toEqual([]);
  });

  it('lists complete, undeleted files by id, page by page', async () => {
    const files = [await fileIn('complete', at(1)), await fileIn('complete', at(2)), await fileIn('complete', at(3))];
    const deleted = await fileIn('complete', at(4));
    await db.files.markDeleted(deleted.fileId, at(5));
    await fileIn('quarantined', at(6));

    const ids = files.map((f) => f.fileId).sort();
    const first = await db.maintenance.listComplete(null, 2);
    expect(first.map((s) => s.file.id)).toEqual(ids.slice(0, 2));
    const rest = await db.maintenance.listComplete(first.at(-1)!.file.id, 2);
    expect(rest.map((s) => s.file.id)).toEqual(ids.slice(2));
    expect(rest[0]!.file.storagePath).toMatch(/\//);
  });
});
