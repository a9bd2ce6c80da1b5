import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';

/** The statements every upload runs read through an index, never the whole table (issue #15). */
describe('indexes of the upload hot path (SQLite query plans)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-indexes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts an owner's open uploads (MAX_OPEN_UPLOADS, at each creation) through (owner_id, status)", async () => {
    const path = join(dir, 'plans.db');
    await migrate(`file:${path}`);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      const plan = db.prepare('EXPLAIN QUERY PLAN SELECT COUNT(*) AS n FROM upload_sessions WHERE owner_id = ? AND status = ?').all('alice', 'open') as {
        detail: string;
      }[];
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING COVERING INDEX upload_sessions_owner_id_status_idx/);
    } finally {
      db.close();
    }
  });
});
