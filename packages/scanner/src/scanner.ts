/**
 * What the pipeline needs from a malware scanner. The contract is fail-closed: anything but
 * an explicit clean answer for every byte is `error` (retried, then `scan_failed`), never
 * `clean`.
 */
export type Verdict = 'clean' | 'infected' | 'error';

export interface ScanResult {
  verdict: Verdict;
  /** What was found (`infected`), or null. */
  signature: string | null;
  /** clamd's reply, or what went wrong; for the audit log. */
  detail: string;
  durationMs: number;
  /**
   * true when the scanner could not be reached at all (connection refused, no such socket):
   * nothing was scanned, so this is no attempt at scanning the file (clamd down or restarting).
   * A connection that was made and then failed is an attempt: a file that crashes clamd must
   * not be retried forever.
   */
  unreachable?: boolean;
}

export interface ScanOptions {
  /** The attempt fails with verdict `error` when clamd has not answered within this. */
  timeoutMs: number;
  /** Aborting ends the attempt at once with verdict `error`. */
  signal?: AbortSignal;
}

export interface EngineVersion {
  /** e.g. `ClamAV 1.4.6`. */
  engine: string;
  /** Signature database version, null when only custom (unofficial) signatures are loaded. */
  database: string | null;
  databaseDate: string | null;
}

export interface Scanner {
  /**
   * Streams `source` to the scanner. Never rejects because of the scanner: a refused
   * connection, a timeout, a size limit, a closed socket or an unparseable reply all resolve
   * `{verdict: 'error'}`. Rejects only when reading `source` fails.
   */
  scan(source: AsyncIterable<Uint8Array>, options: ScanOptions): Promise<ScanResult>;
  /** Resolves true when the scanner answers PING with PONG within `timeoutMs`; never rejects. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Rejects when the scanner does not answer. */
  version(timeoutMs?: number): Promise<EngineVersion>;
}
