import type pg from 'pg';
import { inTransaction, numberPlaceholders, type SqlRunner, type SqlValue } from './sql-runner.js';
import type { StatementCounter } from './statement-counter.js';

const INT8 = 20;
const TIMESTAMP = 1114;

/**
 * How these queries read their columns (per query, so the pool's other users, Prisma's
 * adapter among them, keep pg's defaults): BIGINT and COUNT as numbers (sizes are far below
 * 2^53), and TIMESTAMP(3) — Prisma's DateTime, no time zone — as UTC, as Prisma writes it.
 */
function columnTypes(defaults: typeof pg.types) {
  return {
    getTypeParser(oid: number, format?: string) {
      if (oid === INT8) return (text: string) => Number(text);
      if (oid === TIMESTAMP) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
      return defaults.getTypeParser(oid, format as 'text');
    },
  };
}

/** A Date as TIMESTAMP(3) text in UTC; the `Z` is ignored for a column without a time zone. */
function bind(params: readonly SqlValue[]): unknown[] {
  return params.map((value) => (value instanceof Date ? value.toISOString() : value));
}

/**
 * SqlRunner on the pool Prisma's PostgreSQL adapter uses. Each distinct text becomes a named
 * prepared statement, parsed once per connection.
 */
export class PostgresRunner implements SqlRunner {
  private readonly names = new Map<string, { name: string; text: string }>();
  private readonly types: ReturnType<typeof columnTypes>;

  /** `types`: pg's type parsers (`pg.types`), passed in so that `pg` loads only on PostgreSQL. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly counter: StatementCounter,
    types: typeof pg.types,
  ) {
    this.types = columnTypes(types);
  }

  async rows<T>(text: string, params: readonly SqlValue[]): Promise<T[]> {
    return (await this.query<T>(this.pool, text, params)).rows;
  }

  async run(text: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.query(this.pool, text, params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that failed at the socket is dropped, never handed to the next query.
    let broken: Error | undefined;
    const command = (text: string) =>
      this.query(client, text, []).catch((error: Error) => {
        if (!isSqlError(error)) broken = error;
        throw error;
      });
    try {
      await command('BEGIN');
      let result: T;
      try {
        result = await work(
          inTransaction(
            async <T>(text: string, params: readonly SqlValue[]) => (await this.query<T>(client, text, params)).rows,
            async (text, params) => (await this.query(client, text, params)).rowCount ?? 0,
          ),
        );
      } catch (error) {
        await command('ROLLBACK').catch(() => {});
        throw error;
      }
      await command('COMMIT');
      return result;
    } finally {
      client.release(broken);
    }
  }

  private query<T>(on: pg.Pool | pg.PoolClient, text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    this.counter.count += 1;
    let prepared = this.names.get(text);
    if (!prepared) {
      prepared = { name: `airlock_${this.names.size + 1}`, text: numberPlaceholders(text) };
      this.names.set(text, prepared);
    }
    return on.query<T & pg.QueryResultRow>({ ...prepared, values: bind(params), types: this.types });
  }
}

/** An error PostgreSQL answered (it has a SQLSTATE: 5 characters); anything else is the connection's. */
function isSqlError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5;
}
