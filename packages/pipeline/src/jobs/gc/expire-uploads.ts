import type { MaintenanceCursor } from '@airlock/db';
import { CONCURRENCY, forEachLimit, PAGE, type GcPass } from './gc-context.js';
import { purgeFile, removeBytesAndMark } from './purge-file.js';
import { BUSY } from './upload-lock.js';

/**
 * Expiry: an open upload whose `expires_at` passed (no accepted chunk for
 * UPLOAD_EXPIRY_SECONDS; every chunk moves it) becomes `failed` / `expired` and its bytes go.
 *
 * Under the upload's lock, so never while a request writes to it (a long PATCH renews the
 * lock, and its chunk only moves `expires_at` once written); the row is read again inside the
 * lock because a chunk may have landed since the page was read. `uploads.abort` is
 * conditional and releases the quota reservation in the same transaction: of this pass,
 * another collector and the API's own 410 path, exactly one applies it.
 */
export async function expireUploads(pass: GcPass): Promise<void> {
  const { db, now, report } = pass;
  let after: MaintenanceCursor | undefined;
  while (!pass.signal.aborted) {
    const page = await db.maintenance.listExpiredOpen(now, PAGE, after);
    if (page.length === 0) return;
    const last = page.at(-1)!;
    after = { at: last.upload.expiresAt, id: last.upload.id };
    await forEachLimit(page, CONCURRENCY, async ({ upload }) => {
      try {
        const outcome = await pass.locks.withLock(upload.id, async () => {
          const fresh = await db.uploads.find(upload.id);
          if (!fresh || fresh.upload.status !== 'open' || fresh.upload.expiresAt >= now) return 'moved on';
          if (!(await db.uploads.abort(upload.id, 'failed', 'expired', now))) return 'moved on';
          report.expired += 1;
          pass.logger.info({ uploadId: upload.id, fileId: fresh.file.id, expiresAt: fresh.upload.expiresAt.toISOString() }, 'gc: upload expired');
          // Still under the lock: no chunk can land between the abort and the deletions.
          await removeBytesAndMark(pass, {
            file: { ...fresh.file, status: 'failed', failureReason: 'expired' },
            upload: { ...fresh.upload, status: 'aborted' },
          });
          return 'expired';
        });
        if (outcome === BUSY) report.busy += 1;
      } catch (error) {
        pass.fail(error, { uploadId: upload.id, phase: 'expiry' });
      }
    });
  }
}

/**
 * Uploads already `failed` / `expired` whose bytes are still there: expired by the API (a
 * HEAD or PATCH after the expiry answers 410 and aborts, without touching storage), or by a
 * pass that died between the abort and the purge. Only those changed within the retention
 * period: older ones are retention's (`purgeRetained`), so the range read stays bounded.
 */
export async function purgeExpired(pass: GcPass): Promise<void> {
  const { db, now, config, report } = pass;
  const since = new Date(now.getTime() - config.quarantineRetentionSeconds * 1000);
  let after: MaintenanceCursor | undefined;
  while (!pass.signal.aborted) {
    const page = await db.maintenance.listUnpurgedFailures(['expired'], since, PAGE, after);
    if (page.length === 0) return;
    const last = page.at(-1)!;
    after = { at: last.file.updatedAt, id: last.file.id };
    await forEachLimit(page, CONCURRENCY, async (stored) => {
      try {
        if ((await purgeFile(pass, stored)) === 'busy') report.busy += 1;
      } catch (error) {
        pass.fail(error, { fileId: stored.file.id, phase: 'expired bytes' });
      }
    });
  }
}
