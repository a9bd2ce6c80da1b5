/** A value bound to a `?` placeholder. Dates are written in the provider's own DateTime format. */
export type SqlValue = string | number | null | Date;

/**
 * Plain SQL on the service's connection, for the statements every upload runs (issue #15:
 * Prisma's query interpreter was a quarter of the API's CPU per small upload). Written once
 * for both providers: `?` placeholders (numbered for PostgreSQL by the runner), snake_case
 * columns as the migrations name them, ANSI SQL both databases accept.
 *
 * What comes back: integers as numbers (read them with `toNumber`), DateTime columns as Date on PostgreSQL and as the
 * text Prisma wrote on SQLite (read them with `toDate`).
 */
export interface SqlRunner {
  rows<T>(text: string, params: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(text: string, params: readonly SqlValue[]): Promise<number>;
  /**
   * `work` in one transaction: committed when it resolves, rolled back when it throws. On
   * SQLite it starts with the write lock (BEGIN IMMEDIATE), so it never fails to upgrade from
   * a read; on PostgreSQL it is READ COMMITTED, Prisma's default.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/** A DateTime column as read by a runner (see SqlRunner). */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  throw new TypeError(`not a DateTime value: ${String(value)}`);
}

export function toNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/**
 * The runner handed to a transaction's work: its statements run on the transaction's connection,
 * and it cannot start another transaction.
 */
export function inTransaction(rows: SqlRunner['rows'], run: SqlRunner['run']): SqlRunner {
  return { rows, run, transaction: () => Promise.reject(new Error('already in a transaction: nested transactions are not supported')) };
}

/** `?, ?, …`: one placeholder per value, for `IN (…)`. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/** `?` → `$1`, `$2`, … (PostgreSQL). The SQL given to runners has no `?` inside literals. */
export function numberPlaceholders(text: string): string {
  let index = 0;
  return text.replace(/\?/g, () => `$${++index}`);
}
