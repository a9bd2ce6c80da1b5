import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectRef, StorageDriver } from '../driver.js';
import { bodyOf, collect, patternedBody, readAll, sha256 } from './body.fixtures.js';
import { describeKeySafety, describeFailedWrites, type DriverUnderTest } from './storage-safety.contract.js';

export type { DriverUnderTest } from './storage-safety.contract.js';

export interface StorageContractOptions {
  /**
   * Size of the large streamed bodies (round trip and failed write). Set it above the
   * driver's multipart threshold so the multipart path is exercised. Default 12 MiB.
   */
  largeBodyBytes?: number;
}

const q = (key: string): ObjectRef => ({ area: 'quarantine', key });
const f = (key: string): ObjectRef => ({ area: 'final', key });

/**
 * The behaviour every StorageDriver must show (see the docs in driver.ts). Each test gets a
 * fresh, empty driver from `makeDriver` and calls its `cleanup` afterwards.
 */
export function describeStorageDriver(name: string, makeDriver: () => Promise<DriverUnderTest>, options: StorageContractOptions = {}): void {
  const largeBodyBytes = options.largeBodyBytes ?? 12 * 1024 * 1024;

  describe(`StorageDriver contract: ${name}`, () => {
    let subject: DriverUnderTest;
    let driver: StorageDriver;
    beforeEach(async () => {
      subject = await makeDriver();
      driver = subject.driver;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    const put = (ref: ObjectRef, bytes: Buffer | string) => driver.write(ref, bodyOf(bytes));
    const get = async (ref: ObjectRef) => readAll(await driver.read(ref));

    describe('checkAccess (readiness)', () => {
      it('resolves for both areas without writing anything', async () => {
        await driver.checkAccess('quarantine');
        await driver.checkAccess('final');
        const left = [];
        for await (const item of driver.list('quarantine', '')) left.push(item);
        for await (const item of driver.list('final', '')) left.push(item);
        expect(left).toEqual([]);
      });
    });

    describe('write and read', () => {
      it.each([0, 1, 1000])('round-trips %i bytes', async (size) => {
        const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 256));
        await expect(put(q('round/trip.bin'), bytes)).resolves.toEqual({ size });
        expect((await get(q('round/trip.bin'))).equals(bytes)).toBe(true);
      });

      it(`streams ${largeBodyBytes} bytes through without changing one`, async () => {
        await expect(driver.write(f('big/body.bin'), patternedBody(largeBodyBytes, 7))).resolves.toEqual({ size: largeBodyBytes });
        expect(await sha256(await driver.read(f('big/body.bin')))).toBe(await sha256(patternedBody(largeBodyBytes, 7)));
        expect((await driver.stat(f('big/body.bin')))?.size).toBe(largeBodyBytes);
      });

      it('keeps keys literally: unicode, spaces, reserved URL characters, percent escapes', async () => {
        const keys = ['dir/ünïcødé file (1).txt', 'a+b=c&d#e?f;g,h@i', '%2e%2e/%2e%2e/escape', '..%2f..%2fx', '...', '.hidden'];
        for (const key of keys) await put(q(key), key);
        for (const key of keys) expect((await get(q(key))).toString()).toBe(key);
        expect((await collect(driver.list('quarantine', ''))).map((o) => o.key).sort()).toEqual([...keys].sort());
      });

      it('keeps the areas apart', async () => {
        await put(q('same-key'), 'quarantined');
        expect(await driver.stat(f('same-key'))).toBeNull();
        await put(f('same-key'), 'final');
        expect((await get(q('same-key'))).toString()).toBe('quarantined');
      });

      it('replaces an object atomically: readers see the old bytes until the new ones are complete', async () => {
        await put(q('atomic'), 'old'.repeat(1000));
        const body = new PassThrough();
        const writing = driver.write(q('atomic'), body, { contentType: 'text/plain' });
        body.write('new'.repeat(500));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await get(q('atomic'))).toString()).toBe('old'.repeat(1000));
        body.end('new'.repeat(100));
        await expect(writing).resolves.toEqual({ size: 1800 });
        expect((await get(q('atomic'))).toString()).toBe('new'.repeat(600));
      });
    });

    describe('read ranges (inclusive, as HTTP Range)', () => {
      const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
      const slice = async (start: number, end: number) => readAll(await driver.read(q('range.bin'), { start, end }));
      beforeEach(async () => {
        await put(q('range.bin'), bytes);
      });

      it('returns the first byte, a middle slice and the last byte', async () => {
        expect([...(await slice(0, 0))]).toEqual([0]);
        expect([...(await slice(10, 19))]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
        expect([...(await slice(99, 99))]).toEqual([99]);
      });

      it('clamps an end past the last byte, as HTTP does', async () => {
        expect([...(await slice(95, 1000))]).toEqual([95, 96, 97, 98, 99]);
      });

      it.each([
        [100, 100],
        [150, 200],
        [5, 2],
        [-1, 3],
        [0.5, 3],
      ])('refuses %i-%i with E_INVALID_RANGE', async (start, end) => {
        await expect(driver.read(q('range.bin'), { start, end })).rejects.toMatchObject({ code: 'E_INVALID_RANGE' });
      });

      it('refuses any range of an empty object', async () => {
        await put(q('empty'), '');
        await expect(driver.read(q('empty'), { start: 0, end: 0 })).rejects.toMatchObject({ code: 'E_INVALID_RANGE' });
      });
    });

    describe('stat and delete', () => {
      it('reports size, modification time and a quoted validator that changes with the content', async () => {
        const before = Date.now();
        await put(q('stat/me'), 'hello');
        const first = await driver.stat(q('stat/me'));
        expect(first).toMatchObject({ size: 5 });
        // Second-resolution servers (S3) and clock skew: a generous window.
        expect(Math.abs(first!.lastModified.getTime() - before)).toBeLessThan(60_000);
        if (first!.etag !== null) expect(first!.etag).toMatch(/^"[^"]+"$/);
        await put(q('stat/me'), 'hello, world');
        const second = await driver.stat(q('stat/me'));
        expect(second?.size).toBe(12);
        if (first!.etag !== null) expect(second!.etag).not.toBe(first!.etag);
      });

      it('answers null for a missing object, and for a "folder"', async () => {
        await put(q('folder/file'), 'x');
        expect(await driver.stat(q('missing'))).toBeNull();
        expect(await driver.stat(q('folder'))).toBeNull();
      });

      it('deletes, and deleting again (or something never written) is not an error', async () => {
        await put(q('doomed'), 'x');
        await driver.delete(q('doomed'));
        expect(await driver.stat(q('doomed'))).toBeNull();
        await expect(driver.delete(q('doomed'))).resolves.toBeUndefined();
        await expect(driver.delete(f('never/was'))).resolves.toBeUndefined();
      });

      it('throws E_NOT_FOUND when reading a missing object, with or without a range', async () => {
        await expect(driver.read(q('missing'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
        await expect(driver.read(f('missing/too'), { start: 0, end: 0 })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      });
    });

    describe('copy', () => {
      it('copies within an area and from quarantine to final, leaving the source', async () => {
        await put(q('src/file.bin'), 'payload');
        await driver.copy(q('src/file.bin'), q('dst/file.bin'));
        await driver.copy(q('src/file.bin'), f('ab/promoted.bin'));
        expect((await get(q('dst/file.bin'))).toString()).toBe('payload');
        expect((await get(f('ab/promoted.bin'))).toString()).toBe('payload');
        expect((await get(q('src/file.bin'))).toString()).toBe('payload');
      });

      it('replaces the destination, and copying onto itself changes nothing', async () => {
        await put(q('src'), 'new');
        await put(f('dst'), 'old and longer');
        await driver.copy(q('src'), f('dst'));
        expect((await get(f('dst'))).toString()).toBe('new');
        await driver.copy(q('src'), q('src'));
        expect((await get(q('src'))).toString()).toBe('new');
      });

      it('copies keys with characters that need URL encoding', async () => {
        await put(q('ünï côdé/a+b%20c?.txt'), 'encoded');
        await driver.copy(q('ünï côdé/a+b%20c?.txt'), f('x/ünï côdé/a+b%20c?.txt'));
        expect((await get(f('x/ünï côdé/a+b%20c?.txt'))).toString()).toBe('encoded');
      });

      it('throws E_NOT_FOUND for a missing source and leaves the destination alone', async () => {
        await put(f('kept'), 'kept');
        await expect(driver.copy(q('missing'), f('kept'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
        expect((await get(f('kept'))).toString()).toBe('kept');
      });
    });

    describe('list', () => {
      const keys = ['list/a/1', 'list/a/2', 'list/ab', 'list/b/c/d', 'listing', 'other/x'];
      const listed = async (area: 'quarantine' | 'final', prefix: string) => (await collect(driver.list(area, prefix))).map((o) => o.key).sort();
      beforeEach(async () => {
        for (const [i, key] of keys.entries()) await put(q(key), 'x'.repeat(i));
        await put(f('list/final-only'), 'f');
      });

      it('lists every object under a prefix, with sizes, across pages', async () => {
        const all = await collect(driver.list('quarantine', ''));
        expect(all.map((o) => o.key).sort()).toEqual(keys);
        for (const o of all) {
          expect(o.size).toBe(keys.indexOf(o.key));
          expect(o.lastModified).toBeInstanceOf(Date);
        }
      });

      it('filters by folder prefix and by partial name', async () => {
        expect(await listed('quarantine', 'list/')).toEqual(['list/a/1', 'list/a/2', 'list/ab', 'list/b/c/d']);
        expect(await listed('quarantine', 'list/a')).toEqual(['list/a/1', 'list/a/2', 'list/ab']);
        expect(await listed('quarantine', 'list/a/')).toEqual(['list/a/1', 'list/a/2']);
        expect(await listed('quarantine', 'list')).toEqual(keys.slice(0, 5));
        expect(await listed('quarantine', 'nothing/')).toEqual([]);
        expect(await listed('final', '')).toEqual(['list/final-only']);
      });
    });

    describeKeySafety(() => driver);
    describeFailedWrites(() => subject, largeBodyBytes);
  });
}
