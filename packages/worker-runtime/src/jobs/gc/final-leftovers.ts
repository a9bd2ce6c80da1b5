import { isTerminal } from '@airlock/core';
import { finalKey, supportsMultipartCleaning, supportsTempSweeping, type IncompleteUpload, type MultipartCleaningDriver } from '@airlock/storage';
import { ID, type GcPass } from './gc-context.js';

/**
 * What a promotion killed half-way leaves in final storage, beside the objects the storage
 * audit already covers (sweepStorage): the temp file of a local copy that never got renamed
 * into place, and an S3 multipart upload (a large copy) that was never completed, whose parts
 * are stored and paid for until someone aborts them. Both only once older than the grace
 * period (ORPHAN_GRACE_SECONDS); a multipart upload also only when no promotion can still be
 * writing it: its file is gone or terminal (a retried promotion starts a new one).
 */
export async function sweepFinalLeftovers(pass: GcPass): Promise<void> {
  const { storage } = pass;
  if (supportsTempSweeping(storage)) {
    for (const area of ['final', 'quarantine'] as const) {
      if (pass.signal.aborted) return;
      try {
        const removed = await storage.removeTempLeftovers(area, pass.graceBefore);
        pass.report.tempLeftovers += removed;
        if (removed > 0) pass.logger.info({ area, removed }, 'gc: temp files of interrupted writes removed');
      } catch (error) {
        pass.fail(error, { area, phase: 'temp-leftovers' });
      }
    }
  }
  if (supportsMultipartCleaning(storage)) await abortFinalMultipart(pass, storage);
}

async function abortFinalMultipart(pass: GcPass, storage: MultipartCleaningDriver): Promise<void> {
  const candidates: IncompleteUpload[] = [];
  for await (const incomplete of storage.listIncompleteUploads('final')) {
    if (pass.signal.aborted) return;
    if (incomplete.initiated < pass.graceBefore) candidates.push(incomplete);
  }
  for (const incomplete of candidates) {
    if (pass.signal.aborted) return;
    // Final keys are `finalKey(fileId)`; anything else in the area is not Airlock's to end.
    const fileId = incomplete.key.slice(incomplete.key.lastIndexOf('/') + 1);
    if (!ID.test(fileId) || finalKey(fileId) !== incomplete.key) continue;
    try {
      const file = await pass.db.files.find(fileId);
      if (file && !isTerminal(file.status)) continue;
      await storage.abortIncompleteUpload('final', incomplete.key, incomplete.uploadId);
      pass.report.multipartAborted += 1;
      pass.logger.info({ fileId, status: file?.status ?? null }, 'gc: incomplete multipart upload in final storage aborted');
    } catch (error) {
      pass.fail(error, { fileId, phase: 'final-multipart' });
    }
  }
}
