import type { UploadView } from '@airlock/core';
import type { Database } from '@airlock/db';
import { describe, expect, it, vi } from 'vitest';
import { withTusContext } from './request-context.js';
import { UploadRowConfigstore } from './upload-row.configstore.js';

const CREATED = new Date('2030-01-02T03:04:05.678Z');

function view(overrides: Partial<UploadView['upload']> = {}, file: Partial<UploadView['file']> = {}): UploadView {
  return {
    upload: {
      id: 'up-1',
      fileId: 'file-1',
      ownerId: 'alice',
      totalSize: 100,
      bytesReceived: 40,
      chunkSize: 8,
      status: 'open',
      concatRole: null,
      concatParts: null,
      uploadMetadata: 'filename YS5iaW4=,flag',
      expiresAt: CREATED,
      lastActivityAt: CREATED,
      createdAt: CREATED,
      updatedAt: CREATED,
      ...overrides,
    },
    file: {
      id: 'file-1',
      ownerId: 'alice',
      originalFilename: 'legacy.pdf',
      declaredType: 'application/pdf',
      sizeBytes: 100,
      mimeType: null,
      expectedSha256: null,
      checksumSha256: null,
      scan: { result: null, signature: null, attempts: 0, scannedAt: null },
      status: 'uploading',
      failureReason: null,
      storagePath: null,
      deletedAt: null,
      purgedAt: null,
      createdAt: CREATED,
      updatedAt: CREATED,
      ...file,
    },
  };
}

function storeOver(rows: Record<string, UploadView>) {
  const find = vi.fn(async (id: string) => rows[id] ?? null);
  /** Every repository method the store reaches for, `find` included. */
  const used: string[] = [];
  const uploads = new Proxy({ find }, { get: (target, name) => (used.push(String(name)), Reflect.get(target, name)) });
  return { store: new UploadRowConfigstore({ uploads } as unknown as Pick<Database, 'uploads'>), find, used };
}

describe('UploadRowConfigstore (the file store reads its record of an upload from the row)', () => {
  it('answers from the view the request holds, without reading the database', async () => {
    const { store, find } = storeOver({});
    const upload = await withTusContext({ caller: { userId: 'alice' } as never, view: view() }, () => store.get('up-1'));
    expect(find).not.toHaveBeenCalled();
    expect(upload).toMatchObject({ id: 'up-1', size: 100, offset: 40, metadata: { filename: 'a.bin', flag: null }, creation_date: CREATED.toISOString() });
  });

  it('reads the row outside a request, or for another upload than the request’s', async () => {
    const { store, find } = storeOver({ 'up-2': view({ id: 'up-2', totalSize: null }) });
    const upload = await withTusContext({ caller: { userId: 'alice' } as never, view: view() }, () => store.get('up-2'));
    expect(find).toHaveBeenCalledWith('up-2');
    // A deferred length is no size yet, as @tus/server expects.
    expect(upload?.size).toBeUndefined();
    expect(upload?.sizeIsDeferred).toBe(true);
    expect(await store.get('missing')).toBeUndefined();
  });

  it('falls back to the keys the file row keeps for a row older than its metadata column', async () => {
    const { store } = storeOver({ 'up-1': view({ uploadMetadata: null }) });
    expect((await store.get('up-1'))?.metadata).toEqual({ filename: 'legacy.pdf', filetype: 'application/pdf' });
  });

  it('writes nothing: the row is the record', async () => {
    const { store, used } = storeOver({});
    await store.set();
    await store.delete();
    expect(used).toEqual([]);
  });
});
