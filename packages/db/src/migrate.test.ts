import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from './database.js';
import { migrate } from './migrate.js';
import { type TestDatabase, TEST_TARGETS } from './test-databases.fixture.js';

const run = promisify(execFile);
/** Every committed migration, by name: each must be applied exactly once. */
const ALL = readdirSync(fileURLToPath(new URL('../../../prisma/migrations/sqlite/', import.meta.url)))
  .filter((name) => name.endsWith('.sql'))
  .map((name) => name.replace(/\.sql$/, ''))
  .sort();
const DIST_INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/**
 * Runs migrate() in a separate Node process (the built package) and returns what it
 * applied. Every child waits for the same wall-clock moment after loading, so the calls
 * overlap instead of being spread out by Node's start-up time.
 */
async function migrateInChildProcess(url: string, startAt: number): Promise<string[]> {
  const script = `const { migrate } = await import(${JSON.stringify(DIST_INDEX)});
    await new Promise((resolve) => setTimeout(resolve, Number(process.argv[2]) - Date.now()));
    console.log(JSON.stringify(await migrate(process.argv[1])));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, url, String(startAt)]);
  return JSON.parse(stdout) as string[];
}

describe.each(TEST_TARGETS)('migrate on $provider', (target) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('applies every migration once, then nothing, and leaves a usable schema', async () => {
    database = await target.create();
    expect(ALL.length).toBeGreaterThanOrEqual(2);
    expect(await migrate(database.url)).toEqual(ALL);
    expect(await migrate(database.url)).toEqual([]);
    const db = createDatabase(database.url);
    try {
      await db.ping();
      expect(await db.files.find('missing')).toBeNull();
      expect(await db.uploads.find('missing')).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('applies each migration exactly once when several callers start together', async () => {
    database = await target.create();
    const url = database.url;
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(results.flat().sort()).toEqual(ALL);
  });

  it('applies each migration exactly once when several processes start together', async () => {
    // Separate processes are the real case (api + workers) and the only one that makes
    // SQLite contend: in one process better-sqlite3 runs each call to completion. A lost
    // race only shows when the calls overlap closely, so try a few fresh databases.
    expect(existsSync(DIST_INDEX), 'build @airlock/db first (pnpm build)').toBe(true);
    for (let round = 0; round < 3; round += 1) {
      database = await target.create();
      const url = database.url;
      const startAt = Date.now() + 1500;
      const results = await Promise.all([1, 2, 3, 4].map(() => migrateInChildProcess(url, startAt)));
      expect(results.flat().sort()).toEqual(ALL);
      expect(await migrate(url)).toEqual([]);
      await database.drop();
      database = undefined;
    }
  });
});

describe('migrate', () => {
  it('rejects an unsupported URL', async () => {
    await expect(migrate('mysql://localhost/db')).rejects.toThrow(/Unsupported database URL/);
  });
});
