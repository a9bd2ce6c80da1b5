import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { cleanRefusal, type EngineVersion, type ScanResult } from '@airlock/scanner';
import { isNotFound, quarantineRef } from '@airlock/storage';
import { engineLabel } from '../engine-version.js';
import type { JobHandler, WorkerDeps } from '../job-types.js';
import { enqueueStage, stageOf } from '../stage.js';
import { settle } from '../settle.js';
import { endFile } from './stage-outcome.js';

/**
 * upload.scan: one read pass of the quarantined bytes through SHA-256 and clamd. Found →
 * quarantined; a client `sha256` that differs → failed / checksum_mismatch; clean → the
 * checksum is kept and promotion is enqueued (the file stays `scanning` until it is in
 * final storage). Anything else is an attempt that failed: retried with backoff, and after
 * SCAN_MAX_ATTEMPTS attempts (counted in the database, across redeliveries) → scan_failed.
 * Bytes gone from quarantine are no attempt that failed: failed / bytes_missing at once.
 * A clean answer from a clamd with only test signatures, while they are not allowed
 * (production), is no clean scan: scan_failed / test_signatures_only at once.
 */
export function scanUpload(deps: WorkerDeps): JobHandler<'upload.scan'> {
  const { config, db, storage, scanner, engineVersion } = deps;
  return async ({ fileId }, { logger, signal }) => {
    const view = await db.uploads.findByFile(fileId);
    if (!view) {
      // A file in the pipeline without its upload session has no bytes to find: it can never pass.
      const file = await db.files.find(fileId);
      if (file?.status === 'scanning') await endFile(deps, logger, fileId, 'failed', 'invalid_record');
      else logger.info({ fileId }, 'scan: nothing to do');
      return;
    }
    const stage = stageOf(view.file);
    if (stage === 'promote') {
      // An earlier delivery scanned it clean and died before enqueuing the promotion.
      await enqueueStage(deps, fileId, 'promote');
      return;
    }
    if (stage !== 'scan') {
      logger.info({ fileId, status: view.file.status }, 'scan: nothing to do');
      return;
    }
    if (view.file.scan.result === 'error' && view.file.scan.attempts >= config.clamd.maxAttempts) {
      // An earlier delivery recorded the last failed attempt and died before ending the file.
      await endFile(deps, logger, fileId, 'scan_failed', null);
      return;
    }
    const attempt = view.file.scan.attempts + 1;
    const ref = quarantineRef(view.upload.id);
    let hashed: ReturnType<typeof hashing> | null = null;
    let unreadable = '';
    try {
      hashed = hashing(await storage.read(ref));
    } catch (error) {
      if (isNotFound(error)) {
        // Permanent: no attempt can scan bytes that are gone (unless the file ended meanwhile).
        if ((await db.uploads.findByFile(fileId))?.file.status === 'scanning') await endFile(deps, logger, fileId, 'failed', 'bytes_missing');
        return;
      }
      unreadable = (error as Error).message;
    }
    // Storage unavailable is a failed attempt like any other, counted against SCAN_MAX_ATTEMPTS.
    const opened = hashed;
    const result: ScanResult = opened
      ? await scanner.scan(opened.chunks, { timeoutMs: config.clamd.timeoutMs, signal }).finally(() => opened.source.destroy())
      : { verdict: 'error', signature: null, detail: `could not read the bytes: ${unreadable}`, durationMs: 0 };
    // Shutting down is not a failed attempt: hand the job back without counting it.
    if (signal.aborted) throw new Error('scan interrupted by shutdown');
    // clamd not reachable at all (down, restarting): nothing was scanned, so no attempt is
    // spent; BullMQ retries with backoff, and after its last retry the reconciler brings the
    // file back. Only scans clamd took and failed count toward SCAN_MAX_ATTEMPTS.
    if (result.unreachable) throw new Error(`clamd unreachable; the scan waits for it: ${result.detail}`);
    // Deleted while it was being scanned (its bytes may have gone mid-read): nothing to record.
    if (result.verdict !== 'clean' && (await db.uploads.findByFile(fileId))?.file.status !== 'scanning') {
      logger.info({ fileId }, 'scan: the file ended while it was scanned; nothing to do');
      return;
    }
    const version = await engineVersion();
    const refusal = result.verdict === 'clean' ? refuseClean(version, config.allowTestSignatures) : null;
    const verdict = refusal ? 'error' : result.verdict;
    // A clean answer means clamd read every byte, so the hash covers the whole file. clamd
    // may answer FOUND (or fail) before the end: the evidence still gets the hash of the
    // whole file, from a second read (null only when that read fails too).
    const sha256 = hashed?.complete() ?? (result.verdict === 'clean' ? null : await sha256Of(() => storage.read(ref), logger, fileId));
    const at = new Date();
    const record = {
      fileId,
      attempt,
      result: verdict,
      signature: result.signature,
      engineVersion: engineLabel(version),
      durationMs: result.durationMs,
      detail: refusal ? `${result.detail}; not clean: ${refusal.why}` : result.detail,
      at,
    };
    await db.files.recordScan(record, sha256);
    logger.info({ audit: 'scan', ...record, at: at.toISOString(), sha256 }, 'scan attempt');

    if (refusal?.final) {
      logger.error({ fileId, reason: refusal.why }, 'scan: refusing to call a file clean');
      // Every terminal transition writes its webhook event in its own transaction (outbox).
      await settle(db, fileId, 'scan_failed', at, { failureReason: 'test_signatures_only' });
      return;
    }
    if (verdict === 'infected') {
      await settle(db, fileId, 'quarantined', at);
      return;
    }
    if (verdict === 'clean') {
      const expected = view.file.expectedSha256;
      if (expected && expected !== sha256) {
        await settle(db, fileId, 'failed', at, { failureReason: 'checksum_mismatch' });
        return;
      }
      await enqueueStage(deps, fileId, 'promote');
      return;
    }
    if (attempt >= config.clamd.maxAttempts) {
      logger.warn({ fileId, attempts: attempt, detail: record.detail }, 'scan: giving up');
      await endFile(deps, logger, fileId, 'scan_failed', null);
      return;
    }
    throw new Error(`scan attempt ${attempt} failed: ${record.detail}`);
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

/**
 * Why clamd's clean answer must not count (issue #12), or null. `final` when another attempt
 * cannot change it (test signatures only); a clamd that did not answer VERSION may be asked again.
 */
function refuseClean(version: EngineVersion | null, allowTestSignatures: boolean): { why: string; final: boolean } | null {
  if (allowTestSignatures) return null;
  if (!version) return { why: 'clamd did not answer VERSION, so whether it has an official signature database is unknown', final: false };
  const why = cleanRefusal(version, false);
  return why ? { why, final: true } : null;
}
