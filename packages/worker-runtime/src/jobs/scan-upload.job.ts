import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { quarantineRef } from '@airlock/storage';
import type { JobHandler, WorkerDeps } from '../handlers.js';
import { notifyTerminal } from '../webhooks/notify.js';

/**
 * upload.scan: one read pass of the quarantined bytes through SHA-256 and clamd. Found →
 * quarantined; a client `sha256` that differs → failed / checksum_mismatch; clean → the
 * checksum is kept and promotion is enqueued (the file stays `scanning` until it is in
 * final storage). Anything else is an attempt that failed: retried with backoff, and after
 * SCAN_MAX_ATTEMPTS attempts (counted in the database, across redeliveries) → scan_failed.
 */
export function scanUpload({ config, db, storage, scanner, producer, engineVersion }: WorkerDeps): JobHandler<'upload.scan'> {
  return async ({ fileId }, { logger, signal }) => {
    const view = await db.uploads.findByFile(fileId);
    if (!view || view.file.status !== 'scanning') {
      logger.info({ fileId, status: view?.file.status ?? null }, 'scan: nothing to do');
      return;
    }
    if (view.file.scan.result === 'clean') {
      // An earlier delivery scanned it clean and died before enqueuing the promotion.
      await producer.enqueue('upload.promote', { fileId });
      return;
    }
    const attempt = view.file.scan.attempts + 1;
    const ref = quarantineRef(view.upload.id);
    const hashed = hashing(await storage.read(ref));
    const result = await scanner.scan(hashed.chunks, { timeoutMs: config.clamd.timeoutMs, signal }).finally(() => hashed.source.destroy());
    // Shutting down is not a failed attempt: hand the job back without counting it.
    if (signal.aborted) throw new Error('scan interrupted by shutdown');
    // A clean verdict means clamd read every byte, so the hash covers the whole file. clamd
    // may answer FOUND (or fail) before the end: the evidence still gets the hash of the
    // whole file, from a second read (null only when that read fails too).
    const sha256 = hashed.complete() ?? (result.verdict === 'clean' ? null : await sha256Of(() => storage.read(ref), logger, fileId));
    const at = new Date();
    const record = {
      fileId,
      attempt,
      result: result.verdict,
      signature: result.signature,
      engineVersion: await engineVersion(),
      durationMs: result.durationMs,
      detail: result.detail,
      at,
    };
    await db.files.recordScan(record, sha256);
    logger.info({ audit: 'scan', ...record, at: at.toISOString(), sha256 }, 'scan attempt');

    if (result.verdict === 'infected') {
      if (await db.files.transition(fileId, 'quarantined', at)) await notifyTerminal({ config, producer, logger }, fileId, 'quarantined');
      return;
    }
    if (result.verdict === 'clean') {
      const expected = view.file.expectedSha256;
      if (expected && expected !== sha256) {
        if (await db.files.transition(fileId, 'failed', at, { failureReason: 'checksum_mismatch' })) await notifyTerminal({ config, producer, logger }, fileId, 'failed');
        return;
      }
      await producer.enqueue('upload.promote', { fileId });
      return;
    }
    if (attempt >= config.clamd.maxAttempts) {
      if (await db.files.transition(fileId, 'scan_failed', at)) await notifyTerminal({ config, producer, logger }, fileId, 'scan_failed');
      logger.warn({ fileId, attempts: attempt, detail: result.detail }, 'scan: giving up');
      return;
    }
    throw new Error(`scan attempt ${attempt} failed: ${result.detail}`);
  };
}

/** The chunks of `source`, hashed as they pass; `complete()` is the hex SHA-256 once every chunk has passed, else null. */
function hashing(source: Readable): { source: Readable; chunks: AsyncGenerator<Uint8Array>; complete(): string | null } {
  const hash = createHash('sha256');
  let digest: string | null = null;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
    digest = hash.digest('hex');
  }
  return { source, chunks: chunks(), complete: () => digest };
}

async function sha256Of(open: () => Promise<Readable>, logger: { warn(obj: object, msg: string): void }, fileId: string): Promise<string | null> {
  try {
    const hash = createHash('sha256');
    for await (const chunk of (await open()) as AsyncIterable<Buffer>) hash.update(chunk);
    return hash.digest('hex');
  } catch (error) {
    logger.warn({ fileId, err: (error as Error).message }, 'scan: could not read the bytes again to hash them');
    return null;
  }
}
