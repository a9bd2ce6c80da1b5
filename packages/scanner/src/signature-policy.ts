import type { EngineVersion, Scanner } from './scanner.js';

/**
 * Whether a clean answer from this clamd may be trusted. clamd answers VERSION without a
 * database version (`ClamAV 1.4.6`, no `/27412/…`) when only custom signatures are loaded:
 * the test database scripts/clamd.sh writes when no official one exists. Such a clamd finds
 * the EICAR test file and nothing else, so its `stream: OK` proves nothing about real malware.
 *
 * Returns null when clean answers count, else why not (for the audit record, the file's
 * failure and readiness). `allowTestSignatures` is ALLOW_TEST_SIGNATURES: on by default in
 * development and tests, off by default with NODE_ENV=production.
 */
export function cleanRefusal(version: EngineVersion, allowTestSignatures: boolean): string | null {
  if (allowTestSignatures || version.database !== null) return null;
  return (
    `clamd (${version.engine}) has only test signatures, no official database: ` +
    'no file is called clean while ALLOW_TEST_SIGNATURES is off (the production default); load the official database with freshclam'
  );
}

/**
 * clamd's entry of a readiness answer (API and scanner): its version and signature database
 * (`null`: test signatures only), and `ok: false` with the reason where those cannot call a
 * file clean. Rejects when clamd does not answer.
 */
export async function clamdReadiness(scanner: Pick<Scanner, 'version'>, allowTestSignatures: boolean): Promise<Record<string, unknown>> {
  const version = await scanner.version();
  const refusal = cleanRefusal(version, allowTestSignatures);
  return { version: version.engine, database: version.database, ...(refusal ? { ok: false, error: refusal } : {}) };
}
