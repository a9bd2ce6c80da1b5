import type { PrismaTransaction } from './prisma-client.js';
import { inTransaction, type SqlRunner, type SqlValue } from './sql-runner.js';

/**
 * A Prisma interactive transaction seen as a SqlRunner, so SQL written once for the runners
 * (quota.ts) also runs inside the repositories' Prisma transactions. The `?` text is handed to
 * Prisma's tagged-template form, which numbers placeholders for its provider and encodes Dates
 * as it encodes its own DateTime fields. Integers go as BigInt (BIGINT columns on PostgreSQL).
 * It reads integers as BigInt: use `toNumber` (record.mapper.ts) on what it returns.
 */
export function prismaSql(tx: PrismaTransaction): SqlRunner {
  const template = (text: string) => {
    const strings = text.split('?');
    return Object.assign(strings, { raw: strings }) as unknown as TemplateStringsArray;
  };
  const values = (params: readonly SqlValue[]) => params.map((value) => (typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value));
  return inTransaction(
    <T>(text: string, params: readonly SqlValue[]) => tx.$queryRaw<T[]>(template(text), ...values(params)),
    (text: string, params: readonly SqlValue[]) => tx.$executeRaw(template(text), ...values(params)),
  );
}
