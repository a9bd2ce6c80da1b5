import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchPostgres, type ScratchDatabase } from '@airlock/testing';
import { createDatabase } from './database.js';
import { migrate } from './migrate.js';
import type { Database, NewUpload } from './repositories.js';
import { parseDatabaseUrl } from './database-url.js';
import { createClients, type PrismaClient } from './prisma-client.js';

/**
 * The databases every integration suite runs against, through `describe.each`: the same
 * assertions must hold on the embedded default (SQLite) and on PostgreSQL.
 */
export type TestDatabase = ScratchDatabase;

export interface TestTarget {
  provider: 'sqlite' | 'postgresql';
  /** A fresh, empty database (no schema yet). */
  create(): Promise<TestDatabase>;
}

export const TEST_TARGETS: TestTarget[] = [
  {
    provider: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'airlock-db-'));
      // A folder that does not exist yet: createDatabase/migrate must create it.
      return { url: `file:${join(dir, 'data', 'airlock.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    provider: 'postgresql',
    create: () => scratchPostgres('airlock_test'),
  },
];

/** Test-only helpers shared by the repository suites. */
let counter = 0;
/** Unique ids per call, so tests in one database never collide. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** A fixed clock with millisecond detail, to check timestamps round-trip exactly. */
export const T0 = new Date('2030-01-02T03:04:05.678Z');
export function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

/** Records a clean scan of a `scanning` file: what `complete` requires. */
export async function scanClean(db: Database, fileId: string, when: Date): Promise<void> {
  const attempt = {
    fileId,
    attempt: 1,
    result: 'clean' as const,
    signature: null,
    engineVersion: 'ClamAV 1.4.6',
    durationMs: 1,
    detail: 'stream: OK',
    at: when,
  };
  if (!(await db.files.recordScan(attempt, 'c'.repeat(64)))) throw new Error(`${fileId} is not scanning`);
}

/**
 * A fresh database of `target`, migrated and opened; `dispose()` closes and drops it.
 * `prisma`: raw access beside the repositories, to plant or replay rows they would never write.
 */
export async function migratedDatabase(target: TestTarget): Promise<{ db: Database; prisma: PrismaClient; dispose(): Promise<void> }> {
  const database = await target.create();
  await migrate(database.url);
  const db = createDatabase(database.url);
  // A connection of its own, opened by Prisma on its first query: a suite that never touches it opens none.
  const raw = createClients(parseDatabaseUrl(database.url));
  const prisma = await raw.prisma();
  return {
    db,
    prisma,
    async dispose() {
      await raw.close();
      await db.close();
      await database.drop();
    },
  };
}

/** A small upload to create (unique ids, no metadata, 10 bytes reserved), with `overrides`. */
export function newUpload(overrides: Partial<NewUpload> = {}): NewUpload {
  return {
    uploadId: uniqueId('up'),
    fileId: uniqueId('file'),
    ownerId: 'owner-1',
    originalFilename: null,
    declaredType: null,
    expectedSha256: null,
    totalSize: 10,
    chunkSize: 10,
    expiresAt: at(60_000),
    now: T0,
    reserveBytes: 10,
    defaultQuota: 10 ** 12,
    ...overrides,
  };
}
