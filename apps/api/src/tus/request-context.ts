import { AsyncLocalStorage } from 'node:async_hooks';
import type { UploadView } from '@airlock/core';
import type { Upload } from '@tus/utils';
import type { Caller } from '../auth/tokens.js';
import type { SpoolTicket } from './checksum-spool.js';

/**
 * What the Express layer knows about the tus request being handled, for the code
 * @tus/server calls without it (hooks get a Fetch Request; the store gets only a stream,
 * an id and an offset). One AsyncLocalStorage scope per request.
 */
export interface TusRequestContext {
  caller: Caller;
  /**
   * The upload id Express routed and validated from the path (`/uploads/:id`), after the
   * ownership check. The only id @tus/server may act on (its own parsing takes the last `/`
   * segment of the whole URL, query included: `?x=/<another upload>` would redirect it).
   */
  routedId?: string;
  /** Set by the naming function at POST. */
  uploadId?: string;
  /**
   * A POST without a body: it creates `uploadId` and writes no byte, so the creation takes no
   * Redis lock (redis-locker.ts).
   */
  bodilessCreation?: boolean;
  /**
   * The upload as this request last read or wrote it: loaded by the route (after the
   * ownership check), made by the creation hook, then kept up to date by what each write
   * returns (the chunk record, the finish), so nothing reads the row again (issue #15).
   * Under the upload lock no other request changes it; what may (GC, a deletion) only ends it,
   * and the conditional writes see that.
   */
  view?: UploadView;
  /** This request's last chunk finished the upload (chunk-guard.ts): the finish hook only starts the pipeline. */
  finishedHere?: boolean;
  /** A partial upload (tus concatenation): its first bytes are not the file's, so no type check. */
  partial?: boolean;
  /** `Upload-Checksum` of this request, parsed. */
  checksum?: { algorithm: ChecksumAlgorithm; digest: Buffer };
  /** Room on the checksum spool, claimed by the route before the body is read (with a checksum only). */
  spool?: SpoolTicket;
  /** `Content-MD5` of this request, decoded. */
  contentMd5?: Buffer;
  /**
   * Called by the store just before it reads the body: sends `100 Continue` to a client that
   * asked for it (`Expect: 100-continue`), only once every check that can refuse the request
   * has passed (authentication, ownership, limits, quota, the lock).
   */
  beforeBody?: () => void;
  /** `Content-Length` of this request, when sent. */
  contentLength?: number;
  /**
   * Set when the upload's length is still deferred: the `Upload-Length` this request
   * declares, or null when it declares none.
   */
  deferredLength?: number | null;
  /**
   * Called by the store wrapper with each upload @tus/server loads for this request, before it
   * writes; throws (a `TusHttpError`) to refuse the request. The IETF draft layer refuses a
   * protocol switch here, from metadata already read (apps/api/src/ietf).
   */
  onUpload?: (upload: Upload) => void;
}

export type ChecksumAlgorithm = 'sha1' | 'md5' | 'sha256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['sha1', 'md5', 'sha256'];

const storage = new AsyncLocalStorage<TusRequestContext>();

export function withTusContext<T>(context: TusRequestContext, run: () => Promise<T>): Promise<T> {
  return storage.run(context, run);
}

export function tusContext(): TusRequestContext | undefined {
  return storage.getStore();
}

/** The request's view of `uploadId`, when it holds one. */
export function knownView(uploadId: string): UploadView | undefined {
  const view = storage.getStore()?.view;
  return view?.upload.id === uploadId ? view : undefined;
}

/** What `db.uploads.finish` wrote, applied to the view it started from. */
export function finishedView({ upload, file }: UploadView, offset: number, at: Date): UploadView {
  return {
    upload: { ...upload, status: 'finished', bytesReceived: offset, lastActivityAt: at, updatedAt: at },
    file: { ...file, status: 'assembling', sizeBytes: offset, updatedAt: at },
  };
}
