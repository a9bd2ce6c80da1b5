import { finalRef } from '@airlock/storage';
import { forEachLimit, PAGE, type GcPass } from './gc-context.js';

/** Concurrent stat calls: cheap locally, one HEAD each on S3. */
const STATS_AT_ONCE = 16;

/**
 * Complete, undeleted files whose final object is gone: each logged at error level with its
 * id and counted in the pass's report. Never "fixed": a download would fail, and only a human
 * can tell a lost disk from a wrong bucket. A file deleted while we looked is not reported
 * (the row is read again before reporting).
 */
export async function reportMissingBytes(pass: GcPass): Promise<void> {
  const { db, storage, logger, report } = pass;
  let afterId: string | null = null;
  while (!pass.signal.aborted) {
    const page = await db.maintenance.listComplete(afterId, PAGE);
    if (page.length === 0) return;
    afterId = page.at(-1)!.file.id;
    await forEachLimit(page, STATS_AT_ONCE, async ({ file }) => {
      try {
        if (await storage.stat(finalRef(file.storagePath!))) return;
        const now = await db.files.find(file.id);
        if (now?.status !== 'complete' || now.deletedAt !== null || now.storagePath !== file.storagePath) return;
        report.missingBytes += 1;
        logger.error({ fileId: file.id, ownerId: file.ownerId, storagePath: file.storagePath }, 'gc: bytes missing for a complete file');
      } catch (error) {
        pass.fail(error, { fileId: file.id, phase: 'missing bytes' });
      }
    });
  }
}
