import type { EngineVersion, Scanner } from '@airlock/scanner';

const TTL_MS = 60_000;

/**
 * clamd's version, asked at most once a minute; null when clamd does not answer (not cached:
 * the next scan asks again). Used for the audit record and to tell an official signature
 * database from test signatures.
 */
export function cachedEngineVersion(scanner: Scanner): () => Promise<EngineVersion | null> {
  let cached: { value: EngineVersion; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
    const value = await scanner.version().catch(() => null);
    if (value) cached = { value, at: Date.now() };
    return value;
  };
}

/** `ClamAV 1.4.6/27412` (engine/database), or the engine alone with test signatures: the audit record's form. */
export function engineLabel(version: EngineVersion | null): string | null {
  if (!version) return null;
  return version.database ? `${version.engine}/${version.database}` : version.engine;
}
