import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
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

  it('checkAccess: rejects a folder that is gone or not writable, writing nothing', async () => {
    const driver = createLocalDriver({ quarantineDir: join(root, 'q'), finalDir: join(root, 'f') });
    await driver.checkAccess('quarantine');
    await rm(join(root, 'q'), { recursive: true });
    await expect(driver.checkAccess('quarantine')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await mkdir(join(root, 'q'), { mode: 0o500 });
    // root ignores permission bits; the check is then only meaningful for the missing folder.
    if (process.getuid?.() !== 0) await expect(driver.checkAccess('quarantine')).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(await readdir(join(root, 'q'))).toEqual([]);
  });

  it('keeps both folders 0700 and every file and folder it writes owner-only, whatever the umask', async () => {
    const previous = process.umask(0);
    try {
      const [q, f] = [join(root, 'data', 'q'), join(root, 'f')];
      await mkdir(f, { mode: 0o755 }); // an existing folder is narrowed too
      const driver = createLocalDriver({ quarantineDir: q, finalDir: f });
      await driver.write({ area: 'quarantine', key: 'up-1' }, bodyOf('bytes'));
      await driver.copy({ area: 'quarantine', key: 'up-1' }, { area: 'final', key: 'ab/copied' });
      await writeFile(join(q, 'up-2'), 'bytes', { mode: 0o666 }); // as tus writes it
      expect(await driver.rename({ area: 'quarantine', key: 'up-2' }, { area: 'final', key: 'cd/renamed' })).toBe(true);
      const mode = async (path: string) => (await stat(path)).mode & 0o777;
      for (const dir of [join(root, 'data'), q, f, join(f, 'ab'), join(f, 'cd')]) expect([dir, await mode(dir)]).toEqual([dir, 0o700]);
      for (const file of [join(q, 'up-1'), join(f, 'ab', 'copied'), join(f, 'cd', 'renamed')]) expect([file, await mode(file)]).toEqual([file, 0o600]);
    } finally {
      process.umask(previous);
    }
  });

  it('stores percent-escaped keys as literal names inside the area folder', async () => {
    const driver = createLocalDriver({ quarantineDir: join(root, 'q'), finalDir: join(root, 'f') });
    await driver.write({ area: 'final', key: '%2e%2e/%2e%2e/escape' }, bodyOf('x'));
    expect((await stat(join(root, 'f', '%2e%2e', '%2e%2e', 'escape'))).isFile()).toBe(true);
    expect((await readdir(root)).sort()).toEqual(['f', 'q']); // nothing outside the two folders
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
