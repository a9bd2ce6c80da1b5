import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from './prisma-client.js';
import type { Database } from './repositories.js';
import { at, TEST_TARGETS, migratedDatabase, newUpload } from './test-databases.fixture.js';

/** The statements of the totals migration that fill the tables from the rows that exist. */
function fillStatements(provider: string): string[] {
  const sql = readFileSync(fileURLToPath(new URL(`../../../prisma/migrations/${provider}/0011_metric_totals.sql`, import.meta.url)), 'utf8');
  return sql
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.startsWith('INSERT INTO'));
}

describe.each(TEST_TARGETS)('StatsRepository on $provider', (target) => {
  let db: Database;
  /** Raw access, to replay the migration's fill. */
  let prisma: PrismaClient;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, prisma, dispose } = await migratedDatabase(target));
  });
  afterAll(() => dispose?.());

  async function upload(): Promise<{ uploadId: string; fileId: string }> {
    const input = newUpload({ ownerId: 'owner-stats' });
    await db.uploads.create(input);
    return { uploadId: input.uploadId, fileId: input.fileId };
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
    for (const [attempt, durationMs] of [
      [1, 40],
      [2, 3_000],
      [3, 200_000],
      [4, 50],
      [5, 120_000],
    ] as const) {
      await db.files.recordScan(
        { fileId, attempt, result: 'error', signature: null, engineVersion: null, durationMs, detail: 'x', at: at(10 + attempt) },
        null,
      );
    }
    const after = await db.stats.scanTotals();
    expect(row(after, '0.05').count - row(before, '0.05').count).toBe(2); // 40 and 50 ms: a bound is inclusive (le)
    expect(row(after, '5').count - row(before, '5').count).toBe(1);
    expect(row(after, '120').count - row(before, '120').count).toBe(1);
    expect(row(after, '+Inf').count - row(before, '+Inf').count).toBe(1);
    expect(row(after, '+Inf').sumMs - row(before, '+Inf').sumMs).toBe(200_000);
  });

  // Last: it compares with everything the tests above counted.
  it('the migration fills the totals from existing rows exactly as the live upserts count them', async () => {
    const sorted = <T>(rows: T[]) => rows.map((row) => JSON.stringify(row)).sort();
    const live = { terminal: await db.stats.terminalTotals(), scans: await db.stats.scanTotals() };
    expect(live.terminal.length).toBeGreaterThanOrEqual(3);
    expect(live.scans.length).toBeGreaterThanOrEqual(4);
    await prisma.$executeRawUnsafe('DELETE FROM "terminal_totals"');
    await prisma.$executeRawUnsafe('DELETE FROM "scan_totals"');
    expect(await db.stats.terminalTotals()).toEqual([]);
    const statements = fillStatements(target.provider);
    expect(statements).toHaveLength(2);
    for (const statement of statements) await prisma.$executeRawUnsafe(statement);
    expect(sorted(await db.stats.terminalTotals())).toEqual(sorted(live.terminal));
    expect(sorted(await db.stats.scanTotals())).toEqual(sorted(live.scans));
  });
});
