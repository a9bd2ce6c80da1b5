import { createRequire } from 'node:module';
import type { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient as PostgresPrismaClient } from './generated/postgresql/client.js';
import { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';
import { GatedBetterSqlite3 } from './sqlite-adapter.js';
import { StatementCounter } from './statement-counter.js';
import type { SqlRunner } from './sql-runner.js';
import { SqliteRunner, type SqliteConnection } from './sqlite-runner.js';
import { PostgresRunner } from './postgres-runner.js';
import { type DatabaseTarget, prepareSqliteFile, SQLITE_BUSY_TIMEOUT_MS } from './database-url.js';

/**
 * The client type the repositories are written against. Both generated clients come from
 * the same models.prisma, so their model APIs are identical; only the provider-specific
 * internals differ. The PostgreSQL client is therefore used through the SQLite client's
 * type (one cast, below) rather than duplicating every repository per provider.
 */
export type PrismaClient = SqlitePrismaClient;
/** What `$transaction(async (tx) => …)` hands to its callback. */
export type PrismaTransaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * The transaction budget. SQLite runs one transaction per connection at a time (the
 * adapter queues them) and may wait up to the busy timeout for another process's lock,
 * so Prisma's defaults (2 s to start, 5 s to finish) are too tight under load.
 */
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 };

/**
 * Builds the client synchronously: adapters connect lazily on the first query.
 * On SQLite, plain queries wait for an open transaction (see GatedBetterSqlite3). Every
 * statement sent is counted by `counter`. `sql` runs plain SQL on the same connection (SQLite)
 * or pool (PostgreSQL) for the statements of every upload (sql-runner.ts).
 */
export function createPrismaClient(target: DatabaseTarget, counter = new StatementCounter()): { prisma: PrismaClient; sql: SqlRunner } {
  if (target.provider === 'sqlite') {
    prepareSqliteFile(target.path);
    let opened!: (connection: SqliteConnection) => void;
    const connection = new Promise<SqliteConnection>((resolve) => (opened = resolve));
    const adapter = new GatedBetterSqlite3({ url: target.path, timeout: SQLITE_BUSY_TIMEOUT_MS }, undefined, counter, opened);
    const prisma = new SqlitePrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
    const sql = new SqliteRunner(async () => {
      await prisma.$connect();
      return connection;
    }, counter);
    return { prisma, sql };
  }
  return postgres(target.url, counter);
}

/**
 * PostgreSQL: one `pg` pool shared by Prisma's adapter (whose connections count their
 * statements) and the SqlRunner. `@prisma/adapter-pg` and `pg` are loaded here, on first use,
 * and synchronously (their CommonJS builds): a process on SQLite never pays their ~7 MiB of
 * memory (issue #15).
 */
function postgres(url: string, counter: StatementCounter): { prisma: PrismaClient; sql: SqlRunner } {
  const require = createRequire(import.meta.url);
  const { PrismaPg: Adapter } = require('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
  const driver = require('pg') as typeof pg;
  class CountedPg extends Adapter {
    override async connect(): Promise<Awaited<ReturnType<PrismaPg['connect']>>> {
      return counter.wrap(await super.connect());
    }
  }
  const pool = new driver.Pool({ connectionString: url });
  // An idle connection the server dropped (a restart) is an 'error' event of the pool: without a
  // listener it would end the process. pg removes that connection; the next query opens another,
  // or fails and is answered 503. Prisma's adapter adds its own listener only once it connects.
  pool.on('error', () => {});
  const prisma = new PostgresPrismaClient({ adapter: new CountedPg(pool, { disposeExternalPool: true }), transactionOptions: TRANSACTION_OPTIONS });
  return { prisma: prisma as unknown as PrismaClient, sql: new PostgresRunner(pool, counter, driver.types) };
}
