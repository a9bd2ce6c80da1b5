import { create } from 'content-disposition';

/**
 * The one `Content-Disposition` of every download: the local signed URL sends it, and the S3
 * presigned URL has S3 send it (signed into the URL, so a client cannot change it).
 *
 * `attachment` with both filename forms (RFC 6266 §4.3), formatted by the `content-disposition`
 * package Express itself uses: `filename="…"` is a plain-ASCII fallback for old clients and
 * `filename*=UTF-8''…` (RFC 8187) carries the real name. Never throws, whatever the name:
 * a file is always downloadable; a name with nothing left falls back to `fallback` (the file id).
 */
export function contentDisposition(name: string | null | undefined, fallback = 'download'): string {
  const safe = safeFilename(name ?? '') || safeFilename(fallback) || 'download';
  return create(safe, { fallback: asciiFallback(safe) });
}

/** UTF-8 bytes kept of a name: the common file-system limit, so the name can be saved as is. */
export const MAX_FILENAME_BYTES = 255;

/**
 * Never part of a downloaded name: controls (C0, DEL, C1; CR and LF included), bidirectional
 * embeddings, overrides, isolates and marks (they make `exe.pdf` look like `fdp.exe`),
 * line/paragraph separators, zero-width space, word joiner, BOM and interlinear annotations.
 * ZWJ/ZWNJ stay: emoji sequences and several scripts need them.
 */
const UNSAFE = /[\p{Cc}\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff\ufff9-\ufffb]/gu;
/** Half of a surrogate pair without its other half: not a character, and `encodeURIComponent` throws on it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The name as it may reach a user's disk: the last path segment only (`../../etc/passwd` →
 * `passwd`, `\` counts as a separator too), without the characters above, without leading
 * dots or surrounding spaces and dots, cut to MAX_FILENAME_BYTES of UTF-8 on whole characters
 * (grapheme clusters: never half an emoji), keeping a short extension. '' when nothing is left.
 */
export function safeFilename(name: string): string {
  const cleaned = name.replace(LONE_SURROGATE, '').replace(UNSAFE, '').normalize('NFC');
  const base = (cleaned.split(/[/\\]/).pop() ?? '').replace(/^[\s.]+|[\s.]+$/gu, '');
  return cut(base, MAX_FILENAME_BYTES);
}

function cut(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const stem = takeWhole(name.slice(0, name.length - extension.length), maxBytes - utf8Length(extension));
  return stem ? `${stem.replace(/[\s.]+$/u, '')}${extension}` : takeWhole(name, maxBytes);
}

/** The longest prefix of whole grapheme clusters within `maxBytes`; of whole code points when even the first cluster is too long. */
function takeWhole(text: string, maxBytes: number): string {
  const pick = (pieces: Iterable<string>) => {
    let out = '';
    let bytes = 0;
    for (const piece of pieces) {
      bytes += utf8Length(piece);
      if (bytes > maxBytes) break;
      out += piece;
    }
    return out;
  };
  return pick(graphemes(text)) || pick(text);
}

/** Lazily: the caller stops after MAX_FILENAME_BYTES, however long the text. */
function* graphemes(text: string): Generator<string> {
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) yield segment;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The quoted `filename` for clients without RFC 8187: printable ASCII only (accents dropped,
 * anything else `_`), and no `"`, `\` or `%` (some browsers decode percent-escapes there).
 */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // é → e
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\%]/g, '_')
    .trim();
  return ascii || 'download';
}
