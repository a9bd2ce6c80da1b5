import type { Database } from '@airlock/db';
import { Metadata, Upload, type KvStore } from '@tus/utils';
import { knownView } from './request-context.js';
import { uploadMetadataOf } from './upload-metadata.js';

/**
 * @tus/file-store's record of an upload (its `configstore`), read from the upload's database
 * row instead of a `<id>.json` sidecar beside the bytes (issue #15: one source of truth, and
 * per small upload seven file operations fewer). The bytes' offset still comes from the file
 * itself (FileStore stats it).
 *
 * Nothing is written here: the row is the record. It exists before the store is asked to create
 * the file (the creation hook, or the concatenation, inserts it first), and a deferred length is
 * written to it (chunk-guard.ts) before the store is told. Within a request the row is the view
 * the request already holds (no read); otherwise it is read.
 */
export class UploadRowConfigstore implements KvStore<Upload> {
  constructor(private readonly db: Pick<Database, 'uploads'>) {}

  async get(id: string): Promise<Upload | undefined> {
    const view = knownView(id) ?? (await this.db.uploads.find(id));
    if (!view) return undefined;
    const metadata = uploadMetadataOf(view);
    return new Upload({
      id,
      size: view.upload.totalSize ?? undefined,
      offset: view.upload.bytesReceived,
      ...(metadata ? { metadata: Metadata.parse(metadata) } : {}),
      creation_date: view.upload.createdAt.toISOString(),
    });
  }

  async set(): Promise<void> {}

  async delete(): Promise<void> {}
}
