import type stream from 'node:stream';
import { DataStore, type Upload } from '@tus/utils';

export type ProgressListener = (uploadId: string, offset: number) => Promise<void>;

/**
 * Wraps the quarantine store so that every write reports the offset that is actually in
 * the store once it returns: the database learns of a chunk only after its bytes are
 * written, so `bytes_received` never claims more than is on disk. A write that fails
 * half-way still reports what did land, then rethrows.
 *
 * Expiration is reported as 0 to @tus/server on purpose: its expiry counts from creation,
 * ours from the last accepted chunk, so the API sets `Upload-Expires` and answers 410 itself.
 */
export class ProgressStore extends DataStore {
  constructor(
    private readonly inner: DataStore,
    private readonly onProgress: ProgressListener,
  ) {
    super();
    this.extensions = inner.extensions;
  }

  override create(upload: Upload): Promise<Upload> {
    return this.inner.create(upload);
  }

  override async write(readable: stream.Readable, id: string, offset: number): Promise<number> {
    let newOffset: number;
    try {
      newOffset = await this.inner.write(readable, id, offset);
    } catch (error) {
      const landed = await this.inner.getUpload(id).then((upload) => upload.offset, () => undefined);
      if (landed !== undefined && landed > offset) await this.onProgress(id, landed);
      throw error;
    }
    // An empty PATCH is not an accepted chunk: it must not keep an idle upload alive.
    if (newOffset > offset) await this.onProgress(id, newOffset);
    return newOffset;
  }

  override getUpload(id: string): Promise<Upload> {
    return this.inner.getUpload(id);
  }

  override remove(id: string): Promise<void> {
    return this.inner.remove(id);
  }

  override declareUploadLength(id: string, length: number): Promise<void> {
    return this.inner.declareUploadLength(id, length);
  }

  override getExpiration(): number {
    return 0;
  }
}
