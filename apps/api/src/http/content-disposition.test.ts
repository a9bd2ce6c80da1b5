import { describe, expect, it } from 'vitest';
import { contentDisposition, sanitize } from './content-disposition.js';

describe('Content-Disposition for hostile filenames', () => {
  it.each([
    ['report.pdf', 'attachment; filename="report.pdf"; filename*=UTF-8\'\'report.pdf'],
    ['evil"\r\nSet-Cookie: a=b.txt', 'attachment; filename="evil_Set-Cookie: a=b.txt"; filename*=UTF-8\'\'evil%22Set-Cookie%3A%20a%3Db.txt'],
    ['../../etc/passwd', 'attachment; filename="passwd"; filename*=UTF-8\'\'passwd'],
    ['..\\..\\boot.ini', 'attachment; filename="boot.ini"; filename*=UTF-8\'\'boot.ini'],
    ['photo\u202Egnp.exe', 'attachment; filename="photognp.exe"; filename*=UTF-8\'\'photognp.exe'],
    ['résumé.pdf', 'attachment; filename="resume.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf'],
    ['报告.pdf', 'attachment; filename="__.pdf"; filename*=UTF-8\'\'%E6%8A%A5%E5%91%8A.pdf'],
    [null, 'attachment; filename="download"; filename*=UTF-8\'\'download'],
    ['..', 'attachment; filename="download"; filename*=UTF-8\'\'download'],
  ])('%j', (name, header) => {
    expect(contentDisposition(name)).toBe(header);
  });

  it('never emits CR, LF or a bare quote, and caps the length', () => {
    const header = contentDisposition(`${'a'.repeat(10_000)}"\r\n`);
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.length).toBeLessThan(1000);
    expect(sanitize('x'.repeat(10_000))).toHaveLength(200);
  });
});
