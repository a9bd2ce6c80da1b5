import fs from 'node:fs/promises';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import type { Upload } from '@tus/utils';
import { isValidId } from './upload-id.js';

/**
 * `@tus/file-store` 2.1.1 with a cheaper `create`. Upstream runs `mkdir -p` of the file's
 * directory before every empty file it creates (ids may hold `/` there): one more trip through
 * libuv's thread pool per upload. Airlock's ids are flat hex (upload-id.ts), so that directory
 * is the store's own, which upstream's constructor makes: the file is created at once. When the
 * directory is missing (ENOENT: a first upload that beat the constructor's mkdir, or a directory
 * removed by hand while the API ran), and for any other id, upstream's create does it all.
 */
export class QuarantineFileStore extends FileStore {
  override async create(file: Upload): Promise<Upload> {
    if (!isValidId(file.id)) return super.create(file);
    const filePath = path.join(this.directory, file.id);
    try {
      await fs.writeFile(filePath, '');
    } catch (error) {
      // No directory: upstream's own create makes it and the file.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return super.create(file);
      throw error;
    }
    await this.configstore.set(file.id, file);
    file.storage = { type: 'file', path: filePath };
    return file;
  }
}
