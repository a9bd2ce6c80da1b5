import { AppError } from '@airlock/core';
import type { Upload } from '@tus/utils';

/**
 * Which protocol an open upload speaks is kept with the upload itself, in the store's
 * metadata (the tus sidecar: `<id>.json` / `<id>.info`), under a key no client sets. A draft
 * upload is otherwise an ordinary upload: same row, statuses, quarantine and pipeline.
 */
export const PROTOCOL_KEY = 'airlock-protocol';
export const DRAFT_PROTOCOL = 'ietf-draft';

export function isDraftUpload(upload: Pick<Upload, 'metadata'>): boolean {
  return upload.metadata?.[PROTOCOL_KEY] === DRAFT_PROTOCOL;
}

/**
 * Switching protocol in the middle of an upload is refused with 412 (the same status tus
 * gives a version it does not speak): the offsets agree, but the completion rules do not (a
 * draft upload may still have no length; `Upload-Complete` has no tus equivalent).
 */
export function refuseSwitch(upload: Pick<Upload, 'metadata'>, draftRequest: boolean): void {
  const draftUpload = isDraftUpload(upload);
  if (draftUpload === draftRequest) return;
  throw new AppError(
    'E_PRECONDITION_FAILED',
    draftUpload
      ? 'this upload was created with the IETF resumable-upload draft: continue it with Upload-Draft-Interop-Version'
      : 'this upload was created with tus 1.0: continue it with Tus-Resumable: 1.0.0',
  );
}
