import { createRequire } from 'node:module';
import type { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import type { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';
import { GatedBetterSqlite3 } from './sqlite-adapter.js';
import { StatementCounter } from './statement-counter.js';
import type { SqlRunner } from './sql-runner.js';
import { SqliteRunner } from './sqlite-runner.js';
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
/** The Prisma client, built and loaded on the first call (the same one every time). */
export type LazyPrisma = () => Promise<PrismaClient>;

/** A process's connection to the database: plain SQL, Prisma beside it on the same connection (SQLite) or pool (PostgreSQL). */
export interface Clients {
  /** The statements of every upload, of GET and DELETE /files/:id and of a metrics scrape (sql-runner.ts). */
  sql: SqlRunner;
  /**
   * The rest. Loaded on first use (issue #15): Prisma's client, its query compiler (WebAssembly)
   * and their JIT-compiled code are 20–30 MiB of memory, which an API that only takes uploads,
   * answers for files and is scraped never pays.
   */
  prisma: LazyPrisma;
  /** Closes the connection (or pool), through Prisma when it was loaded. */
  close(): Promise<void>;
}

/**
 * The transaction budget. SQLite runs one transaction per connection at a time (the
 * adapter queues them) and may wait up to the busy timeout for another process's lock,
 * so Prisma's defaults (2 s to start, 5 s to finish) are too tight under load.
 */
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 };

/**
 * Builds the clients synchronously: nothing connects until the first query. On SQLite, Prisma's
 * driver adapter opens the one connection (the SqlRunner's first statement opens it when Prisma
 * is not loaded) and plain queries wait for an open transaction (see GatedBetterSqlite3). Every
 * statement sent is counted by `counter`.
 */
export function createClients(target: DatabaseTarget, counter = new StatementCounter()): Clients {
  if (target.provider === 'sqlite') {
    prepareSqliteFile(target.path);
    const adapter = new GatedBetterSqlite3({ url: target.path, timeout: SQLITE_BUSY_TIMEOUT_MS }, undefined, counter);
    const prisma = once(async () => {
      const { PrismaClient } = await import('./generated/sqlite/client.js');
      return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
    });
    return {
      sql: new SqliteRunner(() => adapter.connection(), counter),
      prisma,
      async close() {
        if (prisma.started()) await (await prisma()).$disconnect();
        await adapter.close();
      },
    };
  }
  return postgres(target.url, counter);
}

/** `load`, run once on the first call; `started()` tells whether it was called. */
function once<T>(load: () => Promise<T>): (() => Promise<T>) & { started(): boolean } {
  let loaded: Promise<T> | undefined;
  return Object.assign(() => (loaded ??= load()), { started: () => loaded !== undefined });
}

/**
 * PostgreSQL: one `pg` pool shared by the SqlRunner and Prisma's adapter (whose connections
 * count their statements). `pg` is loaded here, synchronously (its CommonJS build): a process on
 * SQLite never pays its memory (issue #15); `@prisma/adapter-pg` with Prisma, on first use.
 */
function postgres(url: string, counter: StatementCounter): Clients {
  const require = createRequire(import.meta.url);
  const driver = require('pg') as typeof pg;
  const pool = new driver.Pool({ connectionString: url });
  // An idle connection the server dropped (a restart) is an 'error' event of the pool: without a
  // listener it would end the process. pg removes that connection; the next query opens another,
  // or fails and is answered 503. Prisma's adapter adds its own listener only once it connects.
  pool.on('error', () => {});
  const prisma = once(async () => {
    const { PrismaPg: Adapter } = require('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
    class CountedPg extends Adapter {
      override async connect(): Promise<Awaited<ReturnType<PrismaPg['connect']>>> {
        return counter.wrap(await super.connect());
      }
    }
    const { PrismaClient } = await import('./generated/postgresql/client.js');
    const client = new PrismaClient({ adapter: new CountedPg(pool, { disposeExternalPool: true }), transactionOptions: TRANSACTION_OPTIONS });
    return client as unknown as PrismaClient;
  });
  return {
    sql: new PostgresRunner(pool, counter, driver.types),
    prisma,
    async close() {
      // With disposeExternalPool, Prisma's $disconnect ends the pool once it had connected.
      if (prisma.started()) await (await prisma()).$disconnect();
      if (!pool.ended) await pool.end();
    },
  };
}
