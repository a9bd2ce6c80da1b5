import type { EngineVersion, Verdict } from './scanner.js';

/**
 * Reads clamd's INSTREAM reply. Only the exact `stream: OK` is clean. Limits reported as
 * detections (`Heuristics.Limits.Exceeded.*`, with AlertExceedsMax) mean clamd did not look
 * at every byte: unscannable, so an error, never clean and never a verdict of malware.
 */
export function parseScanReply(raw: string): { verdict: Verdict; signature: string | null } {
  const reply = raw.replace(/\0+$/, '').trim();
  if (reply === 'stream: OK') return { verdict: 'clean', signature: null };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found) {
    const signature = found[1]!;
    if (signature.startsWith('Heuristics.Limits.Exceeded')) return { verdict: 'error', signature: null };
    return { verdict: 'infected', signature };
  }
  return { verdict: 'error', signature: null };
}

/** `ClamAV 1.4.6/27412/Tue Oct 1 08:00:00 2024`, or `ClamAV 1.4.6` with only custom signatures. */
export function parseVersion(raw: string): EngineVersion {
  const reply = raw.replace(/\0+$/, '').trim();
  if (!reply.startsWith('ClamAV ')) throw new Error(`unexpected VERSION reply: ${reply.slice(0, 100)}`);
  const [engine, database, databaseDate] = reply.split('/');
  return { engine: engine!, database: database ?? null, databaseDate: databaseDate ?? null };
}
