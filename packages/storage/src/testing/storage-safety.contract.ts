import { describe, expect, it } from 'vitest';
import { supportsPresign, supportsRename, type ObjectRef, type StorageDriver } from '../driver.js';
import { bodyOf, collect, failingBody, readAll } from './body.fixtures.js';

export interface DriverUnderTest {
  driver: StorageDriver;
  /** Removes everything the driver wrote (folders, buckets). */
  cleanup(): Promise<void>;
  /**
   * Incomplete writes the backend still holds, e.g. temp files or open multipart uploads.
   * A failed write must leave none. Omit when the backend has no such thing.
   */
  leftovers?(): Promise<string[]>;
}

/** Keys that must never reach the backend: traversal, absolute paths, separators, control bytes. */
export const INVALID_KEYS = [
  '',
  '/',
  '/etc/passwd',
  '//server/share',
  '..',
  '.',
  '../x',
  '../../etc/passwd',
  'a/../../x',
  'a/..',
  'a/../b',
  './a',
  'a/./b',
  'a//b',
  'a/',
  'a\\b',
  '..\\..\\x',
  'C:\\Windows\\win.ini',
  'a\u0000b',
  'a\u0000/../../x',
  'a\nb',
  'a\rb',
  '\u007f',
  'x'.repeat(1025),
];
/** Prefixes are keys that may end with `/` or a partial name; these still escape or smuggle. */
const INVALID_PREFIXES = ['/', '/etc', '../', '../x', 'a/../', 'a//', 'a/./', 'a\\b', 'a\u0000', '\n'];

const q = (key: string): ObjectRef => ({ area: 'quarantine', key });
const f = (key: string): ObjectRef => ({ area: 'final', key });

export function describeKeySafety(getDriver: () => StorageDriver): void {
  describe('refuses invalid keys with E_INVALID_KEY, in every method', () => {
    const refused = { code: 'E_INVALID_KEY' };
    it.each(INVALID_KEYS.map((key) => [JSON.stringify(key).slice(0, 40), key]))('%s', async (_, key) => {
      const driver = getDriver();
      const body = bodyOf('never stored');
      await expect(driver.write(q(key), body)).rejects.toMatchObject(refused);
      // The caller's stream is not left hanging half-read.
      expect(body.destroyed).toBe(true);
      await expect(driver.read(q(key))).rejects.toMatchObject(refused);
      await expect(driver.read(f(key), { start: 0, end: 0 })).rejects.toMatchObject(refused);
      await expect(driver.stat(f(key))).rejects.toMatchObject(refused);
      await expect(driver.delete(q(key))).rejects.toMatchObject(refused);
      await expect(driver.copy(q(key), f('fine'))).rejects.toMatchObject(refused);
      await expect(driver.copy(q('fine'), f(key))).rejects.toMatchObject(refused);
      if (supportsPresign(driver)) {
        const options = { expiresInSeconds: 60, contentDisposition: 'attachment', contentType: 'text/plain' };
        await expect(driver.presignGet(f(key), options)).rejects.toMatchObject(refused);
      }
      if (supportsRename(driver)) {
        await expect(driver.rename(q(key), f('fine'))).rejects.toMatchObject(refused);
        await expect(driver.rename(q('fine'), f(key))).rejects.toMatchObject(refused);
      }
      expect(await collect(driver.list('quarantine', ''))).toEqual([]);
      expect(await collect(driver.list('final', ''))).toEqual([]);
    });

    it.each(INVALID_PREFIXES.map((p) => [JSON.stringify(p), p]))('list prefix %s', async (_, prefix) => {
      await expect(collect(getDriver().list('final', prefix))).rejects.toMatchObject(refused);
    });
  });
}

export function describeFailedWrites(getSubject: () => DriverUnderTest, largeBodyBytes: number): void {
  describe('a body that fails midway leaves nothing behind', () => {
    const expectNothingLeft = async (subject: DriverUnderTest, ref: ObjectRef) => {
      expect(await subject.driver.stat(ref)).toBeNull();
      expect(await collect(subject.driver.list(ref.area, ''))).toEqual([]);
      if (subject.leftovers) expect(await subject.leftovers()).toEqual([]);
    };

    it.each([
      ['a small body', 1000],
      ['a body past the multipart threshold', largeBodyBytes],
    ])('%s: rejects with E_STORAGE, no object, no temp file or open upload', async (_, bytes) => {
      const subject = getSubject();
      await expect(subject.driver.write(f('broken/upload.bin'), failingBody(bytes))).rejects.toMatchObject({ code: 'E_STORAGE' });
      await expectNothingLeft(subject, f('broken/upload.bin'));
    });

    it('keeps the previous version when an overwrite fails', async () => {
      const { driver } = getSubject();
      await driver.write(q('keep'), bodyOf('previous'));
      await expect(driver.write(q('keep'), failingBody(largeBodyBytes))).rejects.toMatchObject({ code: 'E_STORAGE' });
      expect((await readAll(await driver.read(q('keep')))).toString()).toBe('previous');
    });
  });

  describe('optional capability: rename', () => {
    it('moves an object within or across areas when supported, and refuses a missing source', async ({ skip }) => {
      const { driver } = getSubject();
      if (!supportsRename(driver)) return skip();
      await driver.write(q('moving'), bodyOf('moved bytes'));
      const renamed = await driver.rename(q('moving'), f('ab/moved'));
      if (!renamed) return skip(); // different filesystems: the caller copies instead
      expect(await driver.stat(q('moving'))).toBeNull();
      expect((await readAll(await driver.read(f('ab/moved')))).toString()).toBe('moved bytes');
      await expect(driver.rename(q('moving'), f('elsewhere'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });
  });
}
