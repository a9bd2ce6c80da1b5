import { validateHeaderValue } from 'node:http';
import { parse } from 'content-disposition';
import { describe, expect, it } from 'vitest';
import { contentDisposition, MAX_FILENAME_BYTES, safeFilename } from './content-disposition.js';

/** What a browser saves the file as: `filename*` when present, else `filename`. */
function savedName(header: string): string {
  const { type, parameters } = parse(header);
  expect(type).toBe('attachment');
  return parameters['filename*'] === undefined ? parameters['filename']! : (parameters['filename'] ?? '');
}
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** No half of a surrogate pair on its own (String#isWellFormed is ES2024, past our lib). */
const wellFormed = (text: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
const UNSAFE = /[\p{Cc}\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/u;

/** Every header must be one Node accepts, parse back, and name a file without anything unsafe. */
function check(name: string | null, fallback?: string): string {
  const header = contentDisposition(name, fallback);
  expect(() => validateHeaderValue('Content-Disposition', header)).not.toThrow();
  expect(header).not.toMatch(/[\r\n\0]/);
  const saved = savedName(header);
  expect(saved.length).toBeGreaterThan(0);
  expect(saved).not.toMatch(UNSAFE);
  expect(saved).not.toMatch(/[/\\]/);
  expect(saved).not.toMatch(/^\./);
  expect(bytes(saved)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
  return saved;
}

describe('Content-Disposition for hostile filenames', () => {
  it.each([
    ['report.pdf', 'attachment; filename=report.pdf', 'report.pdf'],
    ['my report.pdf', 'attachment; filename="my report.pdf"', 'my report.pdf'],
    ['résumé.pdf', "attachment; filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", 'résumé.pdf'],
    ['报告.pdf', "attachment; filename=__.pdf; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf", '报告.pdf'],
    ['a"b.txt', "attachment; filename=a_b.txt; filename*=UTF-8''a%22b.txt", 'a"b.txt'],
    ['a;b=c.txt', 'attachment; filename="a;b=c.txt"', 'a;b=c.txt'],
    ['100%25.txt', "attachment; filename=100_25.txt; filename*=UTF-8''100%2525.txt", '100%25.txt'],
  ])('%j → %s', (name, header, saved) => {
    expect(contentDisposition(name)).toBe(header);
    expect(check(name)).toBe(saved);
  });

  it.each([
    ['empty', '', 'file-id'],
    ['null', null, 'file-id'],
    ['only control characters', '\u0000\u0001\r\n\t\u007f\u0085', 'file-id'],
    ['only dots and spaces', ' . .. ', 'file-id'],
    ['a path', '../../etc/passwd', 'passwd'],
    ['a Windows path', '..\\..\\boot.ini', 'boot.ini'],
    ['a trailing slash', 'dir/../', 'file-id'],
    ['CR/LF header injection', 'evil"\r\nSet-Cookie: a=b.txt', 'evil"Set-Cookie: a=b.txt'],
    ['a backslash and a quote', 'a\\"b.txt', '"b.txt'],
    ['an RTL override', 'photo\u202Egnp.exe', 'photognp.exe'],
    ['every bidi control', '\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061cx.txt', 'x.txt'],
    ['a lone surrogate', 'a\ud800b\udc00.txt', 'ab.txt'],
    ['a hidden file', '.bashrc', 'bashrc'],
  ])('%s', (_, name, saved) => {
    expect(check(name, 'file-id')).toBe(saved);
  });

  it('cuts 10 KB names to whole characters, keeping the extension', () => {
    expect(check(`${'a'.repeat(10_000)}.pdf`)).toBe(`${'a'.repeat(MAX_FILENAME_BYTES - 4)}.pdf`);
    // 3-byte characters: 84 of them fit in 251 bytes, the 85th would be cut in half.
    expect(check(`${'报'.repeat(4000)}.pdf`)).toBe(`${'报'.repeat(83)}.pdf`);
    expect(check('x'.repeat(10_000))).toHaveLength(MAX_FILENAME_BYTES);
  });

  it('never cuts an emoji (surrogate pair, ZWJ sequence) at the limit', () => {
    const family = '👨‍👩‍👧'; // 18 bytes, one grapheme cluster of 5 code points
    for (let pad = 0; pad < 20; pad += 1) {
      const name = `${'a'.repeat(MAX_FILENAME_BYTES - 4 - pad)}${family.repeat(3)}.png`;
      const saved = check(name);
      expect(saved.endsWith('.png')).toBe(true);
      const stem = saved.slice(0, -4).replace(/^a+/, '');
      expect(stem.length % family.length).toBe(0); // only whole families
      expect(wellFormed(saved)).toBe(true);
    }
    expect(check(`${'😀'.repeat(200)}`)).toBe('😀'.repeat(63)); // 4 bytes each: 63 × 4 = 252
  });

  it('cuts one enormous grapheme cluster on code points', () => {
    const zalgo = `z${'\u0301'.repeat(5000)}`;
    const saved = check(zalgo);
    expect(saved.startsWith('ź')).toBe(true); // NFC: z + U+0301 is one character
    expect(wellFormed(saved)).toBe(true);
  });

  it('never throws, for any sequence of UTF-16 code units', () => {
    const alphabet = ['a', '.', '/', '\\', '"', ';', '%', ' ', '\r', '\n', '\0', '\u202e', '\ud83d', '\ude00', '😀', 'é', '\u0301', '\u200d', '报'];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i += 1) {
      const length = Math.floor(random() * 400);
      const name = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      check(name, 'file-id');
    }
  });

  it('safeFilename keeps an ordinary name as it is', () => {
    expect(safeFilename('Quarterly report (final) v2.xlsx')).toBe('Quarterly report (final) v2.xlsx');
  });
});
