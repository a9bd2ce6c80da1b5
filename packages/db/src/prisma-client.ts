import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
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
  const pool = new pg.Pool({ connectionString: target.url });
  const adapter = new CountedPg(pool, { disposeExternalPool: true }, counter);
  const client = new PostgresPrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  return { prisma: client as unknown as PrismaClient, sql: new PostgresRunner(pool, counter) };
}

class CountedPg extends PrismaPg {
  constructor(
    config: ConstructorParameters<typeof PrismaPg>[0],
    options: ConstructorParameters<typeof PrismaPg>[1],
    private readonly counter: StatementCounter,
  ) {
    super(config, options);
  }

  override async connect(): Promise<Awaited<ReturnType<PrismaPg['connect']>>> {
    return this.counter.wrap(await super.connect());
  }
}
