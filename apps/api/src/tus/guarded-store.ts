import type { Readable } from 'node:stream';
import { DataStore, type Upload } from '@tus/utils';
import { tusContext } from './request-context.js';

/** Checks a chunk before its bytes reach the store; may hand back another stream of the same bytes. */
export interface ChunkGuard {
  /**
   * Called before bytes at `offset` are written. Throws to refuse the chunk (nothing is
   * written); `discard` is called once the write is over, whatever happened.
   */
  admit(uploadId: string, offset: number, source: Readable): Promise<{ source: Readable; discard?: () => Promise<void> }>;
  /** A deferred length was declared (before the store records it); throws to refuse it. */
  lengthDeclared(uploadId: string, length: number): Promise<void>;
  /** Called once the store has the bytes up to `offset` (more than before). */
  accepted(uploadId: string, offset: number): Promise<void>;
}

/** Thrown by a guard for a chunk that ends the upload: the store removes its bytes. */
export class RejectedUploadError extends Error {
  constructor(
    readonly status_code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RejectedUploadError';
  }

  get body(): string {
    return `${this.message}\n`;
  }
}

/**
 * Wraps the quarantine store (a tus DataStore) so that:
 * - every chunk passes the guard first (checksums, the type check at the door);
 * - the database learns of a chunk only after its bytes are written, so `bytes_received`
 *   never claims more than is on disk; a write that fails half-way still reports what did
 *   land, then rethrows.
 *
 * Expiration is reported as 0 to @tus/server on purpose: its expiry counts from creation,
 * ours from the last accepted chunk, so the API sets `Upload-Expires` and answers 410 itself.
 */
export class GuardedStore extends DataStore {
  constructor(
    private readonly inner: DataStore,
    private readonly guard: ChunkGuard,
  ) {
    super();
    // The guard implements `checksum` for every store underneath; the API implements
    // `concatenation` (partial uploads are ordinary uploads here; the final one is built
    // by apps/api/src/tus/concatenation.ts).
    this.extensions = [...inner.extensions, 'checksum', 'concatenation'];
  }

  /**
   * @tus/server 2.4.5 asks for 'concatentation' (sic) before accepting `Upload-Concat`:
   * answer for the misspelt name too, so the extension is both advertised and accepted.
   */
  override hasExtension(extension: string): boolean {
    return super.hasExtension(extension === 'concatentation' ? 'concatenation' : extension);
  }

  override create(upload: Upload): Promise<Upload> {
    return this.inner.create(upload);
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    tusContext()?.beforeBody?.();
    let admitted: Awaited<ReturnType<ChunkGuard['admit']>>;
    try {
      admitted = await this.guard.admit(id, offset, readable);
    } catch (error) {
      // Destroyed *with* the error, so @tus/server answers with it (a 415), not with the
      // "Premature close" of a body it could not finish reading.
      readable.destroy(error as Error);
      if (error instanceof RejectedUploadError) await this.inner.remove(id).catch(() => {});
      throw error;
    }
    let newOffset: number;
    try {
      newOffset = await this.inner.write(admitted.source, id, offset);
    } catch (error) {
      const landed = await this.inner.getUpload(id).then(
        (upload) => upload.offset,
        () => undefined,
      );
      if (landed !== undefined && landed > offset) await this.guard.accepted(id, landed);
      throw error;
    } finally {
      await admitted.discard?.();
    }
    // An empty PATCH is not an accepted chunk: it must not keep an idle upload alive.
    if (newOffset > offset) await this.guard.accepted(id, newOffset);
    return newOffset;
  }

  override async getUpload(id: string): Promise<Upload> {
    const upload = await this.inner.getUpload(id);
    tusContext()?.onUpload?.(upload);
    return upload;
  }

  override remove(id: string): Promise<void> {
    return this.inner.remove(id);
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    await this.guard.lengthDeclared(id, length);
    await this.inner.declareUploadLength(id, length);
  }

  override getExpiration(): number {
    return 0;
  }
}
