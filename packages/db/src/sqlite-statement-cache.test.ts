import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cacheStatements } from './sqlite-statement-cache.js';

describe('cacheStatements', () => {
  it('prepares each SQL text once and binds fresh arguments on every use, as the adapter calls it', () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    let prepared = 0;
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepared += 1;
      return prepare(sql);
    }) as typeof db.prepare;
    cacheStatements(db);
    // What PrismaBetterSqlite3 does: prepare(sql).bind(args), then run() or columns() + raw().all().
    for (const [id, name] of [
      [1, 'a'],
      [2, 'b'],
    ] as const)
      db.prepare('INSERT INTO t (id, name) VALUES (?, ?)').bind([id, name]).run();
    const select = (id: number) => {
      const statement = db.prepare('SELECT id, name FROM t WHERE id = ?').bind([id]);
      expect(statement.reader).toBe(true);
      return { columns: statement.columns().map((column) => column.name), rows: statement.raw().all() };
    };
    expect(select(1)).toEqual({ columns: ['id', 'name'], rows: [[1, 'a']] });
    expect(select(2)).toEqual({ columns: ['id', 'name'], rows: [[2, 'b']] });
    db.prepare('BEGIN').run();
    db.prepare('COMMIT').run();
    expect(prepared).toBe(4); // INSERT, SELECT, BEGIN, COMMIT: once each
    db.close();
  });
});
