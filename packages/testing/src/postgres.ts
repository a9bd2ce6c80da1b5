import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { testEnvironment } from './environment.js';

/** A database of its own for one test, file or scenario; `drop()` removes it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export type Provider = 'sqlite' | 'postgresql';
export const PROVIDERS: Provider[] = ['sqlite', 'postgresql'];

/**
 * A fresh, empty database (no schema) of `provider`. SQLite: `<dir>/airlock.db` (the caller
 * owns `dir`; the file need not exist, nor `dir`). PostgreSQL: a new database `<prefix>_<random>`
 * on AIRLOCK_TEST_POSTGRES_URL's server, dropped WITH (FORCE) (a failed test may leave pooled
 * connections behind).
 */
export async function scratchDatabase(provider: Provider, dir: string, prefix = 'airlock_test'): Promise<ScratchDatabase> {
  if (provider === 'sqlite') return { url: `file:${path.join(dir, 'airlock.db')}`, drop: async () => {} };
  return scratchPostgres(prefix);
}

export async function scratchPostgres(prefix = 'airlock_test'): Promise<ScratchDatabase> {
  // The name is written into SQL: only what an unquoted identifier allows.
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`scratchPostgres: prefix ${JSON.stringify(prefix)} is not a plain identifier`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await postgresAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(testEnvironment().postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => postgresAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Runs one statement on the maintenance database (AIRLOCK_TEST_POSTGRES_URL). */
export async function postgresAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnvironment().postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
