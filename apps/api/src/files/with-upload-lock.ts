import { AppError } from '@airlock/core';
import { lockedUpload, type LockedUpload } from '@airlock/pipeline';
import type { Locker } from '@tus/utils';

/** How long a request waits for an upload's lock (a PATCH holding it is asked to release it at once). */
const LOCK_WAIT_MS = 10_000;

/**
 * Runs `work` holding the upload's tus lock (the same lock every PATCH holds while it
 * writes), handing it the proof that @airlock/pipeline's removeBytes asks for. A writer that
 * would not let go, or Redis down: nothing ran, E_UNAVAILABLE (503), the client retries.
 * `onRelease` is called when another request asks for the lock (by default the work goes on
 * to its end; a long write, like a concatenation, stops instead).
 */
export async function withUploadLock<T>(
  locker: Locker,
  uploadId: string,
  work: (held: LockedUpload) => Promise<T>,
  onRelease: () => void = () => {},
): Promise<T> {
  const lock = locker.newLock(uploadId);
  await lock
    .lock(AbortSignal.timeout(LOCK_WAIT_MS), async () => onRelease())
    .catch((error: unknown) => {
      throw new AppError('E_UNAVAILABLE', 'the upload is busy; retry shortly', { cause: error });
    });
  try {
    return await work(lockedUpload(uploadId));
  } finally {
    await lock.unlock().catch(() => {});
  }
}
