import { StorageError, type ByteRange } from './driver.js';

/**
 * Key rules shared by every driver, so a key that works on one backend works on all of them
 * and none can leave its area. A key is 1–1024 bytes (S3's limit) of `/`-separated segments;
 * refused with E_INVALID_KEY:
 * - a leading `/` (absolute path) and empty segments (`a//b`, trailing `/`): on a filesystem
 *   they collapse into other keys, on S3 they do not, so the two backends would disagree;
 * - `.` and `..` segments (traversal on a filesystem, silently normalised by some S3 servers);
 * - backslashes (a separator on Windows and in some proxies), NUL and other control
 *   characters (NUL truncates paths in C APIs; S3's XML listings cannot carry most of them).
 * Keys are never percent-decoded: `%2e%2e` is a literal, harmless name (decoding is the
 * caller's job, and decoding twice is how traversal bugs happen).
 */
const MAX_KEY_BYTES = 1024;
// C0 controls, DEL and backslash; `/` is handled per segment.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalidKey(key, 'empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw invalidKey(key, `longer than ${MAX_KEY_BYTES} bytes`);
  if (FORBIDDEN.test(key)) throw invalidKey(key, 'backslash, NUL or control character');
  for (const segment of key.split('/')) {
    if (segment === '') throw invalidKey(key, 'absolute path or empty segment');
    if (segment === '.' || segment === '..') throw invalidKey(key, `"${segment}" segment`);
  }
}

/**
 * A list prefix: '' (everything), or whole valid segments followed by an optional partial
 * last segment (`a/b/` or `a/b/par`). The partial segment is only a string filter, so `..` or
 * `.` there cannot walk anywhere; the segments before it follow the key rules.
 */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw invalidKey(prefix, 'not a string');
  if (prefix === '') return;
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) throw invalidKey(prefix, `longer than ${MAX_KEY_BYTES} bytes`);
  if (FORBIDDEN.test(prefix)) throw invalidKey(prefix, 'backslash, NUL or control character');
  const slash = prefix.lastIndexOf('/');
  if (slash >= 0) assertValidKey(prefix.slice(0, slash));
}

/** Checks the shape of a range before any I/O; whether it fits the object is the driver's job. */
export function assertValidRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new StorageError('E_INVALID_RANGE', `Invalid byte range ${start}-${end}`);
  }
}

function invalidKey(key: unknown, why: string): StorageError {
  return new StorageError('E_INVALID_KEY', `Invalid storage key ${JSON.stringify(key)}: ${why}`);
}
