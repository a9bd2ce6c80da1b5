import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { prepareSqliteFile, parseDatabaseUrl, SQLITE_BUSY_TIMEOUT_MS } from './database-url.js';

/**
 * Applies the committed SQL in `prisma/migrations/<provider>/` in name order and records
 * each name in `_airlock_migrations`. This replaces `prisma migrate deploy`, which needs a
 * schema-engine binary that cannot be downloaded here. Every process may call it at
 * start-up: concurrent callers are serialised by the database itself (a SQLite write lock,
 * a PostgreSQL advisory lock), so each migration is applied exactly once.
 *
 * @returns the names applied by this call (empty when the schema was already current).
 */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const target = parseDatabaseUrl(databaseUrl);
  return target.provider === 'sqlite' ? migrateSqlite(target.path) : migratePostgres(target.url);
}

interface Migration {
  name: string;
  sql: string;
}

// The build copies prisma/migrations into the package (packages/db/migrations, one of its
// "files"), so a deployed package (pnpm deploy, the Docker image) carries its SQL with it.
// src/migrate.ts and dist/migrate.js sit at the same depth: packages/db/<dir>/ → the package.
const MIGRATIONS_ROOT = new URL('../migrations/', import.meta.url);

function readMigrations(provider: 'sqlite' | 'postgresql'): Migration[] {
  const dir = fileURLToPath(new URL(`${provider}/`, MIGRATIONS_ROOT));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((file) => ({ name: file.replace(/\.sql$/, ''), sql: readFileSync(`${dir}${file}`, 'utf8') }));
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS "_airlock_migrations" (
  "name" TEXT NOT NULL PRIMARY KEY,
  "applied_at" TEXT NOT NULL
)`;

/**
 * WAL is a property of the file: set once here, it lets readers in other processes proceed
 * while one writes. It cannot be changed inside a transaction. Switching takes an exclusive
 * lock, and SQLite answers SQLITE_BUSY without calling the busy handler when waiting could
 * deadlock (sqlite3_busy_handler's documentation): seen once in migrate.test.ts under load,
 * four processes starting together, failing within 3 s although the busy timeout is 10 s. The switch is
 * idempotent, so it is retried until that timeout.
 */
async function useWal(db: BetterSqlite3.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await sleep(10 + Math.random() * 40);
    }
  }
}

async function migrateSqlite(path: string): Promise<string[]> {
  const migrations = readMigrations('sqlite');
  prepareSqliteFile(path);
  const db = new BetterSqlite3(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    await useWal(db);
    // IMMEDIATE takes the write lock up front, so a second process waits (busy timeout)
    // here and then sees the ledger rows written by the first, instead of racing it.
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(CREATE_LEDGER);
      const applied = new Set(db.prepare('SELECT "name" FROM "_airlock_migrations"').pluck().all() as string[]);
      const record = db.prepare('INSERT INTO "_airlock_migrations" ("name", "applied_at") VALUES (?, ?)');
      const now: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        db.exec(migration.sql);
        record.run(migration.name, new Date().toISOString());
        now.push(migration.name);
      }
      db.exec('COMMIT');
      return now;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.close();
  }
}

/** Arbitrary constant shared by every Airlock process: the key of the advisory lock. */
const MIGRATION_LOCK_KEY = 0x4a1f_0c01;

async function migratePostgres(url: string): Promise<string[]> {
  const migrations = readMigrations('postgresql');
  // Loaded here, not at import: a process on SQLite never pays for `pg` (issue #15).
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Session-level lock: held across the per-migration transactions below, released
    // explicitly (and by PostgreSQL if this process dies).
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_LEDGER);
      const rows = await client.query<{ name: string }>('SELECT "name" FROM "_airlock_migrations"');
      const applied = new Set(rows.rows.map((row) => row.name));
      const now: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        // One transaction per migration: PostgreSQL DDL is transactional, so a failing
        // migration leaves neither half a schema nor a ledger row.
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO "_airlock_migrations" ("name", "applied_at") VALUES ($1, $2)', [migration.name, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        now.push(migration.name);
      }
      return now;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
