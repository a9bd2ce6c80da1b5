import type { Upload } from '@tus/utils';
import { TusHttpError } from '../tus/tus-error.js';

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
 * draft upload may still have no length; `Upload-Complete` has no tus equivalent). Checked when
 * @tus/server loads the upload, under the lock, before any byte is read.
 */
export function refuseSwitch(upload: Pick<Upload, 'metadata'>, draftRequest: boolean): void {
  const draftUpload = isDraftUpload(upload);
  if (draftUpload === draftRequest) return;
  throw new TusHttpError(
    412,
    draftUpload
      ? 'this upload was created with the IETF resumable-upload draft: continue it with Upload-Draft-Interop-Version'
      : 'this upload was created with tus 1.0: continue it with Tus-Resumable: 1.0.0',
  );
}
