import { detectFile, isAllowedType } from '@airlock/filetype';
import { quarantineRef } from '@airlock/storage';
import type { JobHandler, WorkerDeps } from '../job-types.js';
import { enqueueStage, stageOf } from '../stage.js';
import { settle } from '../settle.js';
import { beginAttempt, endFile, failAttempt, permanentIfMissing } from './stage-outcome.js';

/**
 * upload.validate: the type of the assembled file, from its bytes, against ALLOWED_TYPES.
 * assembling → scanning (with the detected type recorded), or → rejected. Idempotent: a
 * file that is no longer `assembling` was handled by an earlier delivery. Bytes gone from
 * quarantine end the file failed / bytes_missing at once; any other failure is retried until
 * STAGE_MAX_ATTEMPTS attempts (counted in the database) are spent: failed / pipeline_error.
 */
export function validateUpload(deps: WorkerDeps): JobHandler<'upload.validate'> {
  const { config, db, storage } = deps;
  return async ({ fileId }, { logger }) => {
    const view = await db.uploads.findByFile(fileId);
    if (!view) {
      // A file in the pipeline without its upload session has no bytes to find: it can never pass.
      const file = await db.files.find(fileId);
      if (file && stageOf(file) === 'validate') await endFile(deps, logger, fileId, 'failed', 'invalid_record');
      else logger.info({ fileId }, 'validate: nothing to do');
      return;
    }
    if (stageOf(view.file) !== 'validate') {
      logger.info({ fileId, status: view.file.status }, 'validate: nothing to do');
      return;
    }
    const attempt = await beginAttempt(deps, logger, fileId, 'validate', 'assembling');
    if (!attempt) return;
    const ref = quarantineRef(view.upload.id);
    let detection;
    try {
      detection = await detectFile(() => storage.read(ref));
    } catch (error) {
      // Deleted while it was being validated (its bytes gone mid-read): nothing to do.
      if ((await db.uploads.findByFile(fileId))?.file.status !== 'assembling') {
        logger.info({ fileId }, 'validate: the file ended while it was validated; nothing to do');
        return;
      }
      await failAttempt(deps, logger, fileId, 'validate', attempt, permanentIfMissing(error, 'validate'));
      return;
    }
    const now = new Date();
    if (!isAllowedType(detection.mime, config.allowedTypes)) {
      // Terminal: the bytes stay in quarantine until retention purges them.
      await settle(db, fileId, 'rejected', now, { mimeType: detection.mime });
      logger.info({ fileId, mime: detection.mime, by: detection.by }, 'validate: type not allowed, rejected');
      return;
    }
    if (await settle(db, fileId, 'scanning', now, { mimeType: detection.mime })) {
      logger.info({ fileId, mime: detection.mime, by: detection.by }, 'validate: type allowed');
      // If this enqueue is lost, the reconciler finds the file in `scanning` and enqueues it.
      await enqueueStage(deps, fileId, 'scan');
    }
  };
}
