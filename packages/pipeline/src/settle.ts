import type { FileStatus } from '@airlock/core';
import type { Database, FilePatch } from '@airlock/db';

/**
 * Moves a file to `to`, only from the statuses the state machine allows before it (one
 * conditional UPDATE: of racing callers, exactly one applies it), and, for a terminal status,
 * in the same database transaction: settles the owner's quota (the reservation becomes stored
 * bytes for `complete`, is released otherwise) and writes the outbox event the notifier
 * delivers. Resolves false when the file had already moved on: the caller has nothing to do.
 *
 * Every status change of the pipeline, and the API's deletion of a file in the pipeline, goes
 * through here; the transaction itself is the database layer's (FileRepository.transition).
 */
export function settle(db: Pick<Database, 'files'>, fileId: string, to: FileStatus, at: Date, patch: FilePatch = {}): Promise<boolean> {
  return db.files.transition(fileId, to, at, patch);
}
