import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

export type Provider = 'sqlite' | 'postgresql';
export const PROVIDERS: Provider[] = ['sqlite', 'postgresql'];

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A fresh, empty database of the given kind; `drop()` removes it. */
export async function freshDatabase(provider: Provider, dataDir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (provider === 'sqlite') return { url: `file:${path.join(dataDir, 'airlock.db')}`, drop: async () => {} };
  const name = `airlock_e2e_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
