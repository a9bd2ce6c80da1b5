import { detectFile, isAllowedType } from '@airlock/filetype';
import { quarantineRef } from '@airlock/storage';
import type { JobHandler, WorkerDeps } from '../handlers.js';

/**
 * upload.validate: the type of the assembled file, from its bytes, against ALLOWED_TYPES.
 * assembling → scanning (with the detected type recorded), or → rejected. Idempotent: a
 * file that is no longer `assembling` was handled by an earlier delivery.
 */
export function validateUpload({ config, db, storage, producer }: WorkerDeps): JobHandler<'upload.validate'> {
  return async ({ fileId }, { logger }) => {
    const view = await db.uploads.findByFile(fileId);
    if (!view || view.file.status !== 'assembling') {
      logger.info({ fileId, status: view?.file.status ?? null }, 'validate: nothing to do');
      return;
    }
    const ref = quarantineRef(view.upload.id);
    const detection = await detectFile(() => storage.read(ref)).catch(async (error: unknown) => {
      // Deleted while it was being validated (its bytes gone mid-read): nothing to do.
      if ((await db.uploads.findByFile(fileId))?.file.status !== 'assembling') return null;
      throw error;
    });
    if (!detection) {
      logger.info({ fileId }, 'validate: the file ended while it was validated; nothing to do');
      return;
    }
    const now = new Date();
    if (!isAllowedType(detection.mime, config.allowedTypes)) {
      // Terminal: the bytes stay in quarantine until retention purges them.
      await db.files.transition(fileId, 'rejected', now, { mimeType: detection.mime });
      logger.info({ fileId, mime: detection.mime, by: detection.by }, 'validate: type not allowed, rejected');
      return;
    }
    if (await db.files.transition(fileId, 'scanning', now, { mimeType: detection.mime })) {
      logger.info({ fileId, mime: detection.mime, by: detection.by }, 'validate: type allowed');
      // If this enqueue is lost, the reconciler finds the file in `scanning` and enqueues it.
      await producer.enqueue('upload.scan', { fileId }, { attempts: config.clamd.maxAttempts + 2 });
    }
  };
}
