/**
 * `Content-Disposition: attachment` with a filename no browser can misread (RFC 6266 with
 * RFC 5987 `filename*`): the quoted `filename` is a plain-ASCII fallback without quotes,
 * backslashes, control or bidi characters; `filename*` carries the real name, percent-encoded.
 * Path separators never survive, so `../../etc/passwd` is just a name.
 */
export function contentDisposition(name: string | null, fallback = 'download'): string {
  const cleaned = sanitize(name ?? '') || fallback;
  const ascii = cleaned
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // é → e
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(cleaned)}`;
}

/** Removes what must never be in a downloaded file's name; caps the length. */
export function sanitize(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  return base
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '') // control characters, CR and LF included
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/g, '') // bidi overrides and marks
    .replace(/^[.\s]+/, '') // no hidden files, no `..`
    .trim()
    .slice(0, 200);
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
