import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDataDir } from './data-dir.js';

describe('prepareDataDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'airlock-datadir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('creates DATA_DIR 0700 under umask 0, narrows one that exists, and makes the umask 077', () => {
    const previous = process.umask(0);
    try {
      prepareDataDir(join(root, 'new', 'data'));
      expect(mode(join(root, 'new', 'data'))).toBe(0o700);
      expect(process.umask()).toBe(0o077);
      mkdirSync(join(root, 'old'), { mode: 0o755 });
      prepareDataDir(join(root, 'old'));
      expect(mode(join(root, 'old'))).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });
});
