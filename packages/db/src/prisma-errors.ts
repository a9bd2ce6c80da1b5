/**
 * True when `error` is a unique-constraint violation: Prisma's P2002 (what the
 * repositories throw, e.g. `create` with an existing id), or the raw driver error
 * (SQLite's SQLITE_CONSTRAINT_PRIMARYKEY/_UNIQUE, PostgreSQL's 23505) for callers that
 * reach the database some other way. Duck-typed on purpose: the two generated clients
 * each carry their own error classes, so `instanceof` would need both.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (code === 'P2002' || code === '23505') return true;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
