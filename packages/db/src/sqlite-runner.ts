import type BetterSqlite3 from 'better-sqlite3';
import type { Gate } from './gate.js';
import { inTransaction, type SqlRunner, type SqlValue } from './sql-runner.js';
import type { StatementCounter } from './statement-counter.js';

/** The connection Prisma's driver adapter opens (sqlite-adapter.ts, with or without Prisma's client) and the gate every query on it takes. */
export interface SqliteConnection {
  /** better-sqlite3's own `prepare`, taken before the adapter's statement cache wraps it. */
  prepare(sql: string): BetterSqlite3.Statement;
  gate: Gate;
}

/** Prisma's DateTime text on SQLite (PrismaBetterSqlite3's default `iso8601` format), so both write the same. */
function bind(params: readonly SqlValue[]): unknown[] {
  return params.map((value) => (value instanceof Date ? value.toISOString().replace('Z', '+00:00') : value));
}

/**
 * SqlRunner on the API's SQLite connection, shared with Prisma: every statement takes the
 * connection's gate like Prisma's queries do (sqlite-adapter.ts), so it never runs inside a
 * Prisma transaction that is open, nor the other way round. When the gate is free, a single
 * statement runs at once (better-sqlite3 is synchronous: nothing can interleave).
 */
export class SqliteRunner implements SqlRunner {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private opened: SqliteConnection | undefined;

  /** `connection`: opens the connection on the first call (GatedBetterSqlite3.connection) and resolves with it. */
  constructor(
    private readonly connection: () => Promise<SqliteConnection>,
    private readonly counter: StatementCounter,
  ) {}

  rows<T>(text: string, params: readonly SqlValue[]): Promise<T[]> {
    return this.gated((connection) => this.all<T>(connection, text, params));
  }

  run(text: string, params: readonly SqlValue[]): Promise<number> {
    return this.gated((connection) => this.change(connection, text, params));
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const connection = this.opened ?? (this.opened = await this.connection());
    const release = await connection.gate.acquire();
    try {
      this.change(connection, 'BEGIN IMMEDIATE', []);
      let result: T;
      try {
        result = await work(
          inTransaction(
            async (text, params) => this.all(connection, text, params),
            async (text, params) => this.change(connection, text, params),
          ),
        );
      } catch (error) {
        this.change(connection, 'ROLLBACK', []);
        throw error;
      }
      this.change(connection, 'COMMIT', []);
      return result;
    } finally {
      release();
    }
  }

  /** One statement under the gate; at once when the gate is free (synchronous: nothing can interleave). */
  private async gated<R>(statement: (connection: SqliteConnection) => R): Promise<R> {
    const connection = this.opened ?? (this.opened = await this.connection());
    if (connection.gate.idle) return statement(connection);
    return connection.gate.run(async () => statement(connection));
  }

  private all<T>(connection: SqliteConnection, text: string, params: readonly SqlValue[]): T[] {
    this.counter.count += 1;
    return this.statement(connection, text).all(...bind(params)) as T[];
  }

  private change(connection: SqliteConnection, text: string, params: readonly SqlValue[]): number {
    this.counter.count += 1;
    return this.statement(connection, text).run(...bind(params)).changes;
  }

  /** Prepared once per text: the texts are the repositories' constants, a bounded set. */
  private statement(connection: SqliteConnection, text: string): BetterSqlite3.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = connection.prepare(text);
      // The adapter turns safe integers on for the whole connection (BigInt results); these
      // statements read plain numbers, as every size here is far below 2^53.
      if (statement.reader) statement.safeIntegers(false);
      this.statements.set(text, statement);
    }
    return statement;
  }
}
