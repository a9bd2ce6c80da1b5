import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';

/** The driver-adapter interface both providers' adapters implement (@prisma/driver-adapter-utils). */
type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Transaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;

/**
 * Counts the SQL statements a driver adapter sends to the database: every query and
 * command (inside transactions too), plus one for each transaction's BEGIN, which the
 * adapters issue themselves. COMMIT and ROLLBACK reach the transaction as commands and are
 * counted there. The count is exposed as `airlock_db_statements_total` and read by the bench
 * and by the statement-budget test (test/uploads/statement-budget.test.ts).
 */
export class StatementCounter {
  count = 0;

  /** Wraps `adapter` in place so every statement it sends is counted. */
  wrap<A extends SqlDriverAdapter>(adapter: A): A {
    const startTransaction = adapter.startTransaction.bind(adapter);
    this.countQueries(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = await startTransaction(isolationLevel);
      this.count += 1;
      return this.countQueries(tx);
    };
    return adapter;
  }

  private countQueries<Q extends SqlDriverAdapter | Transaction>(queryable: Q): Q {
    const queryRaw = queryable.queryRaw.bind(queryable);
    const executeRaw = queryable.executeRaw.bind(queryable);
    queryable.queryRaw = (query) => {
      this.count += 1;
      return queryRaw(query);
    };
    queryable.executeRaw = (query) => {
      this.count += 1;
      return executeRaw(query);
    };
    return queryable;
  }
}
