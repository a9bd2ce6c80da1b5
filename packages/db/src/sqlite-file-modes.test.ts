import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from './database.js';
import { migrate } from './migrate.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the SQLite file at rest', () => {
  const root = mkdtempSync(join(tmpdir(), 'airlock-modes-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is owner-only, with its folder, -wal and -shm, even under umask 0', async () => {
    const previous = process.umask(0);
    const path = join(root, 'fresh', 'data', 'airlock.db');
    const db = createDatabase(`file:${path}`);
    try {
      await migrate(`file:${path}`);
      await db.ping();
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(existsSync(`${path}-shm`)).toBe(true);
      expect([join(root, 'fresh'), join(root, 'fresh', 'data')].map(mode)).toEqual([0o700, 0o700]);
      expect([path, `${path}-wal`, `${path}-shm`].map(mode)).toEqual([0o600, 0o600, 0o600]);
    } finally {
      await db.close();
      process.umask(previous);
    }
  });

  it('narrows a database file an older version left readable by others', async () => {
    const path = join(root, 'old.db');
    await migrate(`file:${path}`);
    chmodSync(path, 0o644);
    await migrate(`file:${path}`);
    expect(mode(path)).toBe(0o600);
  });
});
