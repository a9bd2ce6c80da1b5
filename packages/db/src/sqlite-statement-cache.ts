import type BetterSqlite3 from 'better-sqlite3';

/** Distinct SQL texts kept prepared; Prisma generates a bounded set per query shape. */
const MAX_STATEMENTS = 256;

/** What PrismaBetterSqlite3 7.10 does with a prepared statement (dist/index.mjs: performIO, executeIO, startTransaction). */
interface BoundStatement {
  readonly reader: boolean;
  columns(): BetterSqlite3.ColumnDefinition[];
  raw(): { all(): unknown[] };
  run(): BetterSqlite3.RunResult;
}

/**
 * Reuses prepared statements: PrismaBetterSqlite3 prepares every statement again on each
 * query (`client.prepare(sql).bind(args)`), which was a tenth of the API's CPU per small
 * upload (issue #15). better-sqlite3 binds parameters to a statement for good, so the cached
 * statement is handed out behind a facade that passes the arguments on each call instead.
 * Least recently used statements are dropped beyond MAX_STATEMENTS.
 */
export function cacheStatements(db: BetterSqlite3.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepared = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql); // re-inserted below: the Map's order is the recency order
    } else {
      statement = prepare(sql);
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
  const bound = (statement: BetterSqlite3.Statement, args: unknown[]): BoundStatement => ({
    reader: statement.reader,
    columns: () => statement.columns(),
    raw: () => ({ all: () => statement.raw(true).all(...args) }),
    run: () => statement.run(...args),
  });
  db.prepare = ((sql: string) => {
    const statement = prepared(sql);
    return { ...bound(statement, []), bind: (args: unknown[]) => bound(statement, args) };
  }) as unknown as typeof db.prepare;
}
