/** A scrape must answer even when a dependency does not: each source gets this long. */
const SOURCE_TIMEOUT_MS = 2_000;

export type SourceFailure = (source: string, error: Error) => void;

/**
 * Reads one source of scrape-time series. A source that fails or hangs leaves its series out
 * of this scrape (undefined) instead of failing the whole answer; `failed` is told why.
 */
export async function fromSource<T>(source: string, read: () => Promise<T>, failed: SourceFailure, timeoutMs = SOURCE_TIMEOUT_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    failed(source, error as Error);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
