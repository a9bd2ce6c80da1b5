import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEMP_SUFFIX } from './atomic-file.writer.js';
import { createLocalDriver } from './local.driver.js';
import { bodyOf, describeStorageDriver, readAll } from './testing/index.js';

async function makeRoot(base = tmpdir()): Promise<string> {
  return mkdtemp(join(base, 'airlock-storage-'));
}

/** Every temp file still on disk under `dir`. */
async function tempFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith(TEMP_SUFFIX));
}

describeStorageDriver('local', async () => {
  const root = await makeRoot();
  const quarantineDir = join(root, 'quarantine');
  const finalDir = join(root, 'final');
  return {
    driver: createLocalDriver({ quarantineDir, finalDir }),
    cleanup: () => rm(root, { recursive: true, force: true }),
    leftovers: async () => [...(await tempFiles(quarantineDir)), ...(await tempFiles(finalDir))],
  };
});

describe('local driver specifics', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeRoot();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores percent-escaped keys as literal names inside the area folder', async () => {
    const driver = createLocalDriver({ quarantineDir: join(root, 'q'), finalDir: join(root, 'f') });
    await driver.write({ area: 'final', key: '%2e%2e/%2e%2e/escape' }, bodyOf('x'));
    expect((await stat(join(root, 'f', '%2e%2e', '%2e%2e', 'escape'))).isFile()).toBe(true);
    expect(await readdir(root)).toEqual(['f']);
  });

  it('refuses keys that would collide with its temp files', async () => {
    const driver = createLocalDriver({ quarantineDir: join(root, 'q'), finalDir: join(root, 'f') });
    await expect(driver.stat({ area: 'final', key: `a${TEMP_SUFFIX}` })).rejects.toMatchObject({ code: 'E_INVALID_KEY' });
  });

  it('renames within one filesystem without copying (same inode)', async () => {
    const driver = createLocalDriver({ quarantineDir: join(root, 'q'), finalDir: join(root, 'f') });
    await driver.write({ area: 'quarantine', key: 'id1' }, bodyOf('bytes'));
    const inode = (await stat(join(root, 'q', 'id1'))).ino;
    await expect(driver.rename({ area: 'quarantine', key: 'id1' }, { area: 'final', key: 'ab/id1' })).resolves.toBe(true);
    expect((await stat(join(root, 'f', 'ab', 'id1'))).ino).toBe(inode);
  });

  it('answers false on EXDEV (different filesystems) and leaves the source in place', async (context) => {
    // /dev/shm is a tmpfs on Linux; the test needs it to be a different device from tmpdir().
    const shm = await stat('/dev/shm').catch(() => null);
    if (!shm || shm.dev === (await stat(root)).dev) return context.skip();
    const otherRoot = await makeRoot('/dev/shm');
    try {
      const driver = createLocalDriver({ quarantineDir: otherRoot, finalDir: join(root, 'f') });
      await driver.write({ area: 'quarantine', key: 'id2' }, bodyOf('stays'));
      await expect(driver.rename({ area: 'quarantine', key: 'id2' }, { area: 'final', key: 'id2' })).resolves.toBe(false);
      expect((await readAll(await driver.read({ area: 'quarantine', key: 'id2' }))).toString()).toBe('stays');
      expect(await driver.stat({ area: 'final', key: 'id2' })).toBeNull();
    } finally {
      await rm(otherRoot, { recursive: true, force: true });
    }
  });
});
