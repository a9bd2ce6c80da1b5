/**
 * `attachment` with both filename forms (RFC 6266 §4.3): `filename="…"` is an ASCII fallback
 * for old clients, `filename*=UTF-8''…` (RFC 8187) carries the real name. Path separators,
 * quotes and control characters never reach the header (no header injection, no `../` names
 * on the user's disk).
 */
export function attachmentDisposition(filename: string): string {
  const name = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'download';
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

/** RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else percent-encoded. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
