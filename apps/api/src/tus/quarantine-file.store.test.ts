import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MemoryKvStore, Upload } from '@tus/utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuarantineFileStore } from './quarantine-file.store.js';
import { newId } from './upload-id.js';

const dirs: string[] = [];
function store() {
  const directory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quarantine-file-')), 'quarantine');
  dirs.push(path.dirname(directory));
  fs.mkdirSync(directory);
  return { directory, store: new QuarantineFileStore({ directory, configstore: new MemoryKvStore() }) };
}

afterEach(async () => {
  vi.restoreAllMocks();
  // Upstream's constructor makes the directory in the background (mkdir -p, no promise): let
  // it end first, or it could race the removal below.
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('QuarantineFileStore.create', () => {
  it('creates the empty file and its record without a mkdir per upload', async () => {
    const { directory, store: files } = store();
    const mkdir = vi.spyOn(fsp, 'mkdir');
    const id = newId();
    const created = await files.create(new Upload({ id, size: 10, offset: 0 }));
    expect(mkdir).not.toHaveBeenCalled();
    expect(fs.statSync(path.join(directory, id)).size).toBe(0);
    expect(created.storage).toEqual({ type: 'file', path: path.join(directory, id) });
    // Written like upstream's: getUpload finds the file and its record.
    expect((await files.getUpload(id)).offset).toBe(0);
  });

  it('makes the directory again when it was removed while the store ran', async () => {
    const { directory, store: files } = store();
    // As in afterEach: the constructor's background mkdir must end before the removal.
    await new Promise((resolve) => setTimeout(resolve, 100));
    fs.rmSync(directory, { recursive: true });
    const id = newId();
    await files.create(new Upload({ id, size: 10, offset: 0 }));
    expect(fs.statSync(path.join(directory, id)).size).toBe(0);
  });

  it('leaves any other id to upstream (a nested id gets its directories made)', async () => {
    const { directory, store: files } = store();
    await files.create(new Upload({ id: 'nested/upload', size: 10, offset: 0 }));
    expect(fs.statSync(path.join(directory, 'nested', 'upload')).size).toBe(0);
  });

  it('fails as upstream does on any other error, leaving no record', async () => {
    const { directory, store: files } = store();
    const id = newId();
    fs.mkdirSync(path.join(directory, id));
    await expect(files.create(new Upload({ id, size: 10, offset: 0 }))).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(files.configstore.get(id)).resolves.toBeUndefined();
  });
});
