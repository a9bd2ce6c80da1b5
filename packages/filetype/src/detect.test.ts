import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isAllowedType } from './allowlist.js';
import { detectFile, detectSample } from './detect.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001' + '0d0a2db40000000049454e44ae426082',
  'hex',
);
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]);
const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1');

const open = (bytes: Buffer) => () => Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]);

describe('type detection', () => {
  it.each([
    [PNG, 'image/png', 'magic'],
    [PDF, 'application/pdf', 'magic'],
    [ELF, 'application/x-elf', 'magic'],
    [Buffer.from('héllo wörld\n'), 'text/plain', 'text'],
    [Buffer.from([0x00, 0x01, 0x02, 0xff]), 'application/octet-stream', 'none'],
  ])('detects %# as %s', async (bytes, mime, by) => {
    expect(await detectSample(bytes)).toEqual({ mime, by });
    expect(await detectFile(open(bytes))).toEqual({ mime, by });
  });

  it('lets a sample end inside a UTF-8 character, but not a whole file', async () => {
    const cut = Buffer.from('ok é').subarray(0, 4);
    expect((await detectSample(cut)).mime).toBe('text/plain');
    expect((await detectFile(open(cut))).mime).toBe('application/octet-stream');
  });

  it('does not take a text prefix with a binary body for text', async () => {
    const sneaky = Buffer.concat([Buffer.from('a'.repeat(70_000)), randomBytes(1000), Buffer.from([0])]);
    expect((await detectSample(sneaky.subarray(0, 65_536))).mime).toBe('text/plain');
    expect((await detectFile(open(sneaky))).mime).toBe('application/octet-stream');
  });

  it('matches the allowlist with wildcards, ignoring case and parameters', () => {
    const allowed = ['image/*', 'application/pdf', 'text/plain'];
    expect(isAllowedType('image/png', allowed)).toBe(true);
    expect(isAllowedType('IMAGE/JPEG', allowed)).toBe(true);
    expect(isAllowedType('text/plain; charset=utf-8', allowed)).toBe(true);
    expect(isAllowedType('application/x-elf', allowed)).toBe(false);
    expect(isAllowedType('imagex/png', allowed)).toBe(false);
    expect(isAllowedType('application/pdfx', allowed)).toBe(false);
    expect(isAllowedType('application/x-elf', ['*/*'])).toBe(true);
  });
});
