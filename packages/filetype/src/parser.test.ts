import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileTypeParser } from 'file-type';
import { describe, expect, it, vi } from 'vitest';
import { SignatureParser } from './parser.js';

// file-type's own helpers, which SignatureParser's methods replace (not exported by the package).
const source = path.dirname(fileURLToPath(import.meta.resolve('file-type')));
const { checkBytes } = (await import(pathToFileURL(path.join(source, 'parser.js')).href)) as {
  checkBytes(buffer: Uint8Array, headers: number[], options?: object): boolean;
};
const { stringToBytes } = (await import(pathToFileURL(path.join(source, 'tokens.js')).href)) as {
  stringToBytes(text: string, encoding?: string): number[];
};

/** A parser whose buffer is `bytes`, to call check/checkString on directly. */
function parserOver(bytes: Uint8Array): SignatureParser {
  const parser = new SignatureParser();
  parser.buffer = bytes;
  return parser;
}

const SAMPLES: [string, Buffer][] = [
  ['png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')],
  ['pdf', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')],
  ['elf', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)])],
  // An empty ID3v2 tag, then an MPEG frame header: file-type skips the tag and finds the frame.
  ['mp3 (ID3)', Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(600)])],
  ['zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)])],
  ['gzip', Buffer.from('1f8b0800000000000003', 'hex')],
  ['webp', Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'), Buffer.alloc(32)])],
  ['mp4', Buffer.concat([Buffer.from('000000206674797069736f6d', 'hex'), Buffer.alloc(32)])],
  ['utf-16 xml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0"?>', 'utf16le')])],
  ['eps', Buffer.concat([Buffer.from('%!PS-Adobe-3.0 EPSF-3.0\n', 'latin1'), Buffer.alloc(32)])],
];

describe('SignatureParser', () => {
  it('overrides methods file-type 22.3.0 has (a version without them would bypass it: this fails first)', () => {
    const base = FileTypeParser.prototype as unknown as Record<string, unknown>;
    expect(typeof base.check).toBe('function');
    expect(typeof base.checkString).toBe('function');
  });

  it('tests bytes exactly as file-type’s checkBytes does: offsets, masks, past the end', () => {
    for (let round = 0; round < 2_000; round++) {
      const buffer = randomBytes(1 + (round % 24));
      // Headers taken from the buffer itself half the time, so matches happen, not only misses.
      const offset = round % 3 === 0 ? undefined : round % 7;
      const from = offset ?? 0;
      const length = 1 + (round % 6);
      const header = round % 2 ? [...buffer.subarray(from, from + length)] : [...randomBytes(length)];
      const options = { ...(offset === undefined ? {} : { offset }), ...(round % 5 === 0 ? { mask: [...randomBytes(length)] } : {}) };
      if (options.mask && round % 10 === 0) for (let i = 0; i < length; i++) header[i] = options.mask[i]! & (buffer[from + i] ?? 0);
      expect(parserOver(buffer).check(header, options)).toBe(checkBytes(buffer, header, options));
    }
  });

  it('turns signature strings into bytes as file-type does, in every encoding, and builds each once', () => {
    const parser = parserOver(Buffer.from('<?xml', 'utf16le'));
    for (const encoding of [undefined, 'utf-16le', 'utf-16be']) {
      for (const text of ['<?xml', 'PK', 'ftyp', 'é\u00ff']) {
        const spy = vi.spyOn(parser, 'check');
        parser.checkString(text, encoding ? { encoding } : undefined);
        parser.checkString(text, encoding ? { encoding } : undefined);
        expect(spy.mock.calls[0]![0]).toEqual(stringToBytes(text, encoding));
        expect(spy.mock.calls[1]![0]).toBe(spy.mock.calls[0]![0]);
        spy.mockRestore();
      }
    }
    expect(parser.checkString('<?xml', { encoding: 'utf-16le' })).toBe(true);
  });

  it('detects what file-type detects, on known formats and on random bytes', async () => {
    const samples = [...SAMPLES, ...Array.from({ length: 200 }, (_, i): [string, Buffer] => [`random ${i}`, randomBytes(4100)])];
    const spy = vi.spyOn(SignatureParser.prototype, 'checkString');
    for (const [name, bytes] of samples) {
      const ours = await new SignatureParser().fromBuffer(bytes);
      const theirs = await new FileTypeParser().fromBuffer(bytes);
      expect(ours, name).toEqual(theirs);
    }
    // The overrides are the ones file-type's detectors call.
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    expect((await new SignatureParser().fromBuffer(SAMPLES[0]![1]))?.mime).toBe('image/png');
  });
});
