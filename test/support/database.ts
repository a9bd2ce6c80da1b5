import { createDatabase, type Database } from '@airlock/db';
import { useFixture } from '@airlock/testing';
import type { UsedStack } from '@airlock/testing/stack';

/** The database of a suite's stack, open while it runs (call it after useStack). */
export function useStackDatabase(stack: UsedStack): Database {
  return useFixture(
    'useStackDatabase: the database',
    () => createDatabase(stack.env.DATABASE_URL!),
    (db) => db.close(),
  );
}
