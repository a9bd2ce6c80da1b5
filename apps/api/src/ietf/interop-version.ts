import { AppError } from '@airlock/core';

/**
 * Interop versions of draft-ietf-httpbis-resumable-upload that Airlock serves, as sent in
 * `Upload-Draft-Interop-Version`:
 * - 5: draft-03 (tus-js-client 4.3.1 `protocol: 'ietf-draft-03'`): `Upload-Complete`, any
 *   Content-Type on an append;
 * - 6: draft-04 and -05 (`'ietf-draft-05'`): appends are `application/partial-upload`,
 *   `Upload-Length`, `Upload-Limit` and problem details exist;
 * - 7: draft-06 and -07, 8: draft-08 to the current one: what a server sends and checks is
 *   6's (the changes are client duties, optional response fields, `max-age` for `expires`,
 *   and offset retrieval with GET, which is served to every version).
 * Versions 3 and 4 (`Upload-Incomplete`, drafts -01/-02) are refused (400): see
 * docs/IETF-RESUMABLE-UPLOAD.md for why.
 */
export const INTEROP_VERSIONS = [5, 6, 7, 8] as const;
export type InteropVersion = (typeof INTEROP_VERSIONS)[number];

export const INTEROP_HEADER = 'upload-draft-interop-version';

/** The request's interop version; undefined for a tus (or plain) request; 400 for one we do not speak. */
export function interopVersionOf(headers: Record<string, string | string[] | undefined>): InteropVersion | undefined {
  const sent = headers[INTEROP_HEADER];
  if (sent === undefined) return undefined;
  const version = INTEROP_VERSIONS.find((known) => String(known) === sent);
  if (version === undefined) {
    throw new AppError(
      'E_BAD_REQUEST',
      `Upload-Draft-Interop-Version ${String(sent).slice(0, 10)} is not supported; this server speaks ${INTEROP_VERSIONS.join(', ')}`,
    );
  }
  return version;
}

/** `Upload-Complete` (RFC 8941 Boolean: `?1` / `?0`); undefined when absent, 400 when malformed. */
export function uploadComplete(headers: Record<string, string | string[] | undefined>): boolean | undefined {
  const value = headers['upload-complete'];
  if (value === undefined) return undefined;
  if (value === '?1') return true;
  if (value === '?0') return false;
  throw new AppError('E_BAD_REQUEST', 'Upload-Complete must be ?1 or ?0');
}
