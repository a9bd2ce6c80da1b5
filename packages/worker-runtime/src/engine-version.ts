import type { Scanner } from '@airlock/scanner';

const TTL_MS = 60_000;

/** clamd's version for the audit record, asked at most once a minute; null when clamd does not answer. */
export function cachedEngineVersion(scanner: Scanner): () => Promise<string | null> {
  let cached: { value: string | null; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
    const value = await scanner.version().then(
      ({ engine, database }) => (database ? `${engine}/${database}` : engine),
      () => null,
    );
    cached = { value, at: Date.now() };
    return value;
  };
}
