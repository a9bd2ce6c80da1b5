import { parseDatabaseUrl } from './database-url.js';
import { PrismaFileRepository } from './file.repository.js';
import { PrismaMaintenanceRepository } from './maintenance.repository.js';
import { PrismaOutboxRepository } from './outbox.repository.js';
import { createClients } from './prisma-client.js';
import type { Database, DatabaseEvents } from './repositories.js';
import { SqlStatsRepository } from './stats.repository.js';
import { PrismaUploadRepository } from './upload.repository.js';
import { PrismaUserRepository } from './user.repository.js';
import { StatementCounter } from './statement-counter.js';

/**
 * Opens the database named by `databaseUrl` (`file:` → SQLite, `postgres(ql)://` →
 * PostgreSQL). Synchronous and cheap: nothing connects until the first query, so call
 * `ping()` to check the database is reachable and `migrate()` (separately) to prepare it.
 * `events` hears of the changes this process makes (its metrics).
 */
export function createDatabase(databaseUrl: string, events: DatabaseEvents = {}): Database {
  const target = parseDatabaseUrl(databaseUrl);
  const counter = new StatementCounter();
  const { prisma, sql, close } = createClients(target, counter);
  return {
    provider: target.provider,
    statementCount: () => counter.count,
    uploads: new PrismaUploadRepository(prisma, sql, events),
    users: new PrismaUserRepository(prisma),
    files: new PrismaFileRepository(prisma, sql, events),
    stats: new SqlStatsRepository(sql),
    maintenance: new PrismaMaintenanceRepository(prisma),
    outbox: new PrismaOutboxRepository(prisma, sql),
    async ping() {
      await sql.rows('SELECT 1', []);
    },
    close,
  };
}
