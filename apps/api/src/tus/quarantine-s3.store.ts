import { Readable } from 'node:stream';
import { S3Store } from '@tus/s3-store';
import { ERRORS, type Upload } from '@tus/utils';
import type { Logger } from 'pino';

type S3StoreOptions = ConstructorParameters<typeof S3Store>[0];

/**
 * @tus/s3-store 2.0.7 with what Airlock needs of it on a shared cache and a real S3:
 * - a declared deferred length refreshes the cache: upstream mutates the cached object in
 *   place, which only a `MemoryKvStore` sees; a shared cache kept the old, size-less copy, so
 *   the multipart upload was never completed;
 * - `remove` deletes `<id>`, `<id>.info` and `<id>.part` one by one: upstream's DeleteObjects
 *   needs Content-MD5 on Swift (400 without it) and forgot `.part`; a completed upload (no
 *   multipart left to abort) is removed too instead of answering 404 with its bytes kept;
 * - an empty upload is completed when it is created: @tus/server never writes to it, so the
 *   multipart upload stayed open and no object `<id>` ever appeared for the pipeline;
 * - a failed cache delete is logged: upstream calls it without awaiting it in `remove`.
 */
export class QuarantineS3Store extends S3Store {
  constructor(
    options: S3StoreOptions,
    private readonly logger: Logger,
  ) {
    super(options);
  }

  override async create(upload: Upload): Promise<Upload> {
    const created = await super.create(upload);
    if (created.size === 0) await super.write(emptyStream(), created.id, 0);
    return created;
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    if (offset === 0 && (await this.getMetadata(id)).file.size === 0) {
      // creation-with-upload of an empty upload: completed at creation, nothing to add.
      readable.resume();
      return 0;
    }
    return super.write(readable, id, offset);
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    await super.declareUploadLength(id, length);
    await this.cache.delete(id);
  }

  override async remove(id: string): Promise<void> {
    let uploadId: string;
    try {
      ({ 'upload-id': uploadId } = await this.getMetadata(id));
    } catch (error) {
      if (isS3Error(error, 'NoSuchKey', 'NotFound')) throw ERRORS.FILE_NOT_FOUND;
      throw error;
    }
    // A completed (or already aborted) multipart upload answers NoSuchUpload: nothing to abort.
    await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: uploadId }).catch((error: unknown) => {
      if (!isS3Error(error, 'NoSuchUpload', 'NoSuchKey')) throw error;
    });
    // `.info` last: while it exists, a retry can still find the upload and finish the job.
    await Promise.all([id, this.partKey(id, true)].map((Key) => this.client.deleteObject({ Bucket: this.bucket, Key })));
    await this.client.deleteObject({ Bucket: this.bucket, Key: this.infoKey(id) });
    await this.clearCache(id);
  }

  protected override async clearCache(id: string): Promise<void> {
    await super.clearCache(id).catch((error: unknown) => {
      // Harmless: the entry expires, and the upload's row (finished or aborted) decides from now on.
      this.logger.warn({ err: error, uploadId: id }, 'could not clear the upload metadata cache');
    });
  }
}

function isS3Error(error: unknown, ...codes: string[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return codes.includes(name as string) || codes.includes(Code as string);
}

function emptyStream(): Readable {
  return Readable.from([]);
}
