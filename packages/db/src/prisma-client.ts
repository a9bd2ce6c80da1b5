import { createRequire } from 'node:module';
import type { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresPrismaClient } from './generated/postgresql/client.js';
import { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';
import { GatedBetterSqlite3 } from './sqlite-adapter.js';
import { StatementCounter } from './statement-counter.js';
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
 * statement sent is counted by `counter`.
 */
export function createPrismaClient(target: DatabaseTarget, counter = new StatementCounter()): PrismaClient {
  if (target.provider === 'sqlite') {
    prepareSqliteFile(target.path);
    const adapter = new GatedBetterSqlite3({ url: target.path, timeout: SQLITE_BUSY_TIMEOUT_MS }, undefined, counter);
    return new SqlitePrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  }
  const adapter = countedPg({ connectionString: target.url }, counter);
  const client = new PostgresPrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  return client as unknown as PrismaClient;
}

/**
 * The PostgreSQL adapter, whose connections count their statements. `@prisma/adapter-pg` and
 * `pg` are loaded here, on first use, and synchronously (its CommonJS build): a process on
 * SQLite never pays their ~7 MiB of memory (issue #15).
 */
function countedPg(config: ConstructorParameters<typeof PrismaPg>[0], counter: StatementCounter): PrismaPg {
  const { PrismaPg: Adapter } = createRequire(import.meta.url)('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
  class CountedPg extends Adapter {
    override async connect(): Promise<Awaited<ReturnType<PrismaPg['connect']>>> {
      return counter.wrap(await super.connect());
    }
  }
  return new CountedPg(config);
}
