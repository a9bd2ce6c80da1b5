import type { StoredFile } from '@airlock/db';
import { supportsMultipartCleaning, type IncompleteUpload, type MultipartCleaningDriver } from '@airlock/storage';
import { ID, PAGE, type GcPass } from './gc-context.js';

/**
 * Incomplete S3 multipart uploads in the quarantine bucket (ListMultipartUploads). Aborted
 * only when the key is an upload id and that upload can receive no more bytes:
 * - its session is `finished` or `aborted` (tus completes its multipart upload before the
 *   session finishes, so one left over is garbage; an aborted upload gets no more chunks);
 * - there is no session at all, and the upload started more than the grace period ago.
 * An open session's is left alone, expired or not: expiry ends it under the upload's lock.
 * Anything whose key is not an upload id belongs to someone else and is never touched.
 */
export async function abortAbandonedMultipart(pass: GcPass): Promise<void> {
  const { storage } = pass;
  if (!supportsMultipartCleaning(storage)) return;
  let batch: IncompleteUpload[] = [];
  for await (const incomplete of storage.listIncompleteUploads('quarantine')) {
    if (pass.signal.aborted) return;
    if (!ID.test(incomplete.key)) continue;
    batch.push(incomplete);
    if (batch.length >= PAGE) {
      await abortBatch(pass, storage, batch);
      batch = [];
    }
  }
  await abortBatch(pass, storage, batch);
}

async function abortBatch(pass: GcPass, storage: MultipartCleaningDriver, batch: IncompleteUpload[]): Promise<void> {
  if (batch.length === 0) return;
  const owners = new Map<string, StoredFile>();
  for (const stored of await pass.db.maintenance.findByUploadIds([...new Set(batch.map((u) => u.key))])) owners.set(stored.upload!.id, stored);
  for (const incomplete of batch) {
    const owner = owners.get(incomplete.key);
    const abandoned = owner ? owner.upload!.status !== 'open' : incomplete.initiated < pass.graceBefore;
    if (!abandoned) continue;
    try {
      await storage.abortIncompleteUpload('quarantine', incomplete.key, incomplete.uploadId);
      pass.report.multipartAborted += 1;
      pass.logger.info({ uploadId: incomplete.key, session: owner?.upload?.status ?? null }, 'gc: incomplete multipart upload aborted');
    } catch (error) {
      pass.fail(error, { uploadId: incomplete.key, phase: 'multipart' });
    }
  }
}
