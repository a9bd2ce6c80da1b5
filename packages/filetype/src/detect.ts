import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SignatureParser } from './parser.js';

export interface Detection {
  /** The detected MIME type; `application/octet-stream` when nothing matched. */
  mime: string;
  /** How: magic bytes (file-type), the plain-text rule, or neither. */
  by: 'magic' | 'text' | 'none';
}

export const UNKNOWN = 'application/octet-stream';

/**
 * Detects from the first bytes only: the check at the door, when the first chunk of an
 * upload arrives. file-type does not detect plain text (nor CSV, SVG, HTML): a sample that
 * is valid UTF-8 without NUL counts as `text/plain` (a UTF-8 sequence cut at the end of the
 * sample is allowed).
 */
export async function detectSample(sample: Uint8Array): Promise<Detection> {
  const found = await new SignatureParser().fromBuffer(sample);
  if (found) return { mime: found.mime, by: 'magic' };
  if (isText(sample, { partial: true })) return { mime: 'text/plain', by: 'text' };
  return { mime: UNKNOWN, by: 'none' };
}

/**
 * Detects over a whole file: magic bytes (file-type reads only as far as it needs), and
 * when none match, the text rule over **every** byte, so a text prefix cannot smuggle a
 * binary body in as `text/plain`. `open` is called once per pass; streams are not buffered.
 */
export async function detectFile(open: () => Promise<Readable> | Readable): Promise<Detection> {
  const magicSource = await open();
  try {
    const found = await new SignatureParser().fromStream(Readable.toWeb(magicSource) as unknown as WebReadableStream<Uint8Array>);
    if (found) return { mime: found.mime, by: 'magic' };
  } finally {
    magicSource.destroy();
  }
  return (await isTextStream(await open())) ? { mime: 'text/plain', by: 'text' } : { mime: UNKNOWN, by: 'none' };
}

function isText(bytes: Uint8Array, { partial }: { partial: boolean }): boolean {
  if (bytes.includes(0)) return false;
  try {
    // stream: true lets a multi-byte character cut at the end of a sample pass.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return true;
  } catch {
    return false;
  }
}

async function isTextStream(source: Readable): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let empty = true;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      empty = false;
      if (chunk.includes(0)) return false;
      decoder.decode(chunk, { stream: true });
    }
    decoder.decode();
    return !empty;
  } catch {
    return false;
  } finally {
    source.destroy();
  }
}
