import { isEvidence } from '@airlock/core';
import type { StoredFile } from '@airlock/db';
import type { Area, ObjectRef } from '@airlock/storage';
import { CONCURRENCY, forEachLimit, ID, PAGE, type GcPass } from './gc-context.js';
import { isLive, purgeFile } from './purge-file.js';

/** At most this many objects are removed per area and pass; the next pass goes on. */
const MAX_REMOVALS = 10_000;
/**
 * When more than half of an area's objects (and more than this many) have no row, the
 * database is probably not the one this storage belongs to (a wrong DATABASE_URL, a restored
 * backup): nothing without a row is removed, and the pass says so loudly.
 */
const SUSPICIOUS_ORPHANS = 100;

interface Listed {
  key: string;
  lastModified: Date;
}

/** How an area's keys are read: which are Airlock's, and the row each belongs to. */
interface AreaRules {
  area: Area;
  /** false for a key Airlock never writes there: not garbage, just not ours. */
  ours(key: string): boolean;
  owners(keys: string[], pass: GcPass): Promise<Map<string, StoredFile>>;
  /** Bytes that must not be here although the row exists (purged, or promoted away). */
  leftover(owner: StoredFile): boolean;
}

/** Quarantine: `<uploadId>` and the tus sidecars `<uploadId>.json|.info|.part`. */
const QUARANTINE: AreaRules = {
  area: 'quarantine',
  ours: (key) => ID.test(uploadIdOf(key)),
  async owners(keys, pass) {
    const rows = await pass.db.maintenance.findByUploadIds([...new Set(keys.map(uploadIdOf))]);
    const byUpload = new Map(rows.map((row) => [row.upload!.id, row]));
    return new Map(keys.flatMap((key) => (byUpload.has(uploadIdOf(key)) ? [[key, byUpload.get(uploadIdOf(key))!]] : [])));
  },
  // Promotion deletes the quarantine copy before the file becomes complete.
  leftover: ({ file }) => file.purgedAt !== null || file.status === 'complete',
};

/** Final: every key is Airlock's; its row is the file whose storage_path it is (`<id[0..2]>/<id>`). */
const FINAL: AreaRules = {
  area: 'final',
  ours: () => true,
  async owners(keys, pass) {
    const candidates = [...new Set(keys.map((key) => key.slice(key.lastIndexOf('/') + 1)).filter((id) => ID.test(id)))];
    const owners = new Map<string, StoredFile>();
    for (const row of await pass.db.maintenance.findByFileIds(candidates)) {
      if (row.file.storagePath !== null) owners.set(row.file.storagePath, row);
    }
    // A key that does not name its file (not written by promotion): looked up by path, unindexed, rarely.
    const unnamed = keys.filter((key) => !owners.has(key));
    for (const row of await pass.db.maintenance.findByStoragePaths(unnamed)) owners.set(row.file.storagePath!, row);
    return new Map(keys.flatMap((key) => (owners.has(key) ? [[key, owners.get(key)!]] : [])));
  },
  leftover: ({ file }) => file.purgedAt !== null,
};

/**
 * The storage side of garbage collection, area by area: objects with no row (orphans),
 * objects of rows whose bytes are gone by design (leftovers: written late, or a crash
 * between two deletions) and deletions the API did not finish (`DELETE /files/:id` marks the
 * row first). Only objects untouched for the grace period, and deletions older than it.
 */
export async function sweepStorage(pass: GcPass): Promise<void> {
  for (const rules of [QUARANTINE, FINAL]) {
    if (pass.signal.aborted) return;
    await sweepArea(pass, rules);
  }
}

async function sweepArea(pass: GcPass, rules: AreaRules): Promise<void> {
  const { graceBefore, logger } = pass;
  const orphans: ObjectRef[] = [];
  const leftovers: ObjectRef[] = [];
  const unfinished = new Map<string, StoredFile>();
  let seen = 0;
  let orphanCount = 0;

  const classify = async (batch: Listed[]) => {
    const owners = await rules.owners(
      batch.map((object) => object.key),
      pass,
    );
    for (const { key, lastModified } of batch) {
      const owner = owners.get(key);
      const old = lastModified < graceBefore;
      if (!owner) {
        if (!old) continue;
        orphanCount += 1;
        if (orphans.length < MAX_REMOVALS) orphans.push({ area: rules.area, key });
      } else if (rules.leftover(owner)) {
        if (old && leftovers.length < MAX_REMOVALS) leftovers.push({ area: rules.area, key });
      } else if (owner.file.deletedAt !== null && owner.file.deletedAt < graceBefore && !isLive(owner) && !isEvidence(owner.file.status)) {
        // A deleted file's bytes go; evidence (quarantined, rejected, scan_failed) stays until retention purges it.
        unfinished.set(owner.file.id, owner);
      }
    }
  };

  let batch: Listed[] = [];
  for await (const object of pass.storage.list(rules.area, '')) {
    if (pass.signal.aborted) return;
    if (!rules.ours(object.key)) continue;
    seen += 1;
    batch.push(object);
    if (batch.length >= PAGE) {
      await classify(batch);
      batch = [];
    }
  }
  await classify(batch);

  if (orphanCount > SUSPICIOUS_ORPHANS && orphanCount * 2 > seen) {
    logger.error(
      { area: rules.area, objects: seen, orphans: orphanCount },
      'gc: most objects have no row; is DATABASE_URL the database of this storage? Nothing without a row was removed',
    );
    orphans.length = 0;
  }
  await removeAll(pass, orphans, 'orphans');
  await removeAll(pass, leftovers, 'leftovers');
  await forEachLimit([...unfinished.values()], CONCURRENCY, async (stored) => {
    try {
      if ((await purgeFile(pass, stored)) === 'busy') pass.report.busy += 1;
    } catch (error) {
      pass.fail(error, { fileId: stored.file.id, phase: 'unfinished deletion' });
    }
  });
}

async function removeAll(pass: GcPass, refs: ObjectRef[], counter: 'orphans' | 'leftovers'): Promise<void> {
  await forEachLimit(refs, CONCURRENCY, async (ref) => {
    if (pass.signal.aborted) return;
    try {
      await pass.storage.delete(ref);
      pass.report[counter] += 1;
      pass.logger.info({ area: ref.area, key: ref.key }, counter === 'orphans' ? 'gc: orphan object removed' : 'gc: leftover object removed');
    } catch (error) {
      pass.fail(error, { area: ref.area, key: ref.key, phase: counter });
    }
  });
}

/** `<uploadId>` of `<uploadId>`, `<uploadId>.json`, `.info` or `.part`. */
function uploadIdOf(key: string): string {
  return key.replace(/\.(json|info|part)$/, '');
}
