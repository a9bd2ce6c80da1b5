import { FileTypeParser } from 'file-type';

interface CheckOptions {
  offset?: number;
  mask?: readonly number[];
  encoding?: string;
}

/** The bytes of each signature string, built once (they are literals in file-type's detectors: a bounded set). */
const signatures = new Map<string | undefined, Map<string, number[]>>();

/**
 * file-type's parser with its two signature tests made allocation-free (issue #15).
 *
 * file-type 22.3.0 turns each string signature into a fresh array on every test
 * (`checkString` → `stringToBytes`) and copies the options object of every `check`. Random
 * or unknown bytes are its worst case: all ~80 string signatures and as many byte signatures
 * are tried, ~30 KiB of garbage per detection, about a tenth of what a small upload allocates
 * in the API. Same semantics as file-type's `checkBytes` and `stringToBytes`
 * (source/parser.js, source/tokens.js): bytes at `offset` (default 0) equal the signature's,
 * each under its `mask` when one is given. The version is pinned in package.json;
 * parser.test.ts compares every detection with file-type's own parser.
 *
 * Not exported from the package: the parsers of detect.ts are its only users.
 */
export class SignatureParser extends FileTypeParser {
  declare buffer: Uint8Array;

  check(header: readonly number[], options?: CheckOptions): boolean {
    const offset = options?.offset ?? 0;
    const mask = options?.mask;
    const buffer = this.buffer;
    for (let index = 0; index < header.length; index++) {
      const byte = buffer[index + offset]!;
      if (header[index] !== (mask ? mask[index]! & byte : byte)) return false;
    }
    return true;
  }

  checkString(header: string, options?: CheckOptions): boolean {
    return this.check(signatureBytes(header, options?.encoding), options);
  }
}

function signatureBytes(header: string, encoding: string | undefined): number[] {
  let byHeader = signatures.get(encoding);
  if (!byHeader) signatures.set(encoding, (byHeader = new Map()));
  let bytes = byHeader.get(header);
  if (!bytes) byHeader.set(header, (bytes = stringToBytes(header, encoding)));
  return bytes;
}

/** As file-type's `stringToBytes`: UTF-16 code units in either byte order, else one byte per character. */
function stringToBytes(text: string, encoding: string | undefined): number[] {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    const bytes: number[] = [];
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (encoding === 'utf-16le') bytes.push(code & 0xff, (code >> 8) & 0xff);
      else bytes.push((code >> 8) & 0xff, code & 0xff);
    }
    return bytes;
  }
  return [...text].map((character) => character.charCodeAt(0));
}
