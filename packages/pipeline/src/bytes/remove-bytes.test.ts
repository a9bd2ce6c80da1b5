import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finalRef, quarantineRef, quarantineSidecars } from '@airlock/storage';
import { createLocalDriver } from '@airlock/storage/local';
import { afterAll, describe, expect, it } from 'vitest';
import { lockedUpload, removeBytes } from './remove-bytes.js';

const root = mkdtempSync(join(tmpdir(), 'airlock-remove-bytes-'));
const storage = createLocalDriver({ quarantineDir: join(root, 'quarantine'), finalDir: join(root, 'files') });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const UPLOAD = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const write = (ref: ReturnType<typeof finalRef>) => storage.write(ref, Readable.from(['bytes']));

describe("removeBytes: the one removal of an upload's bytes", () => {
  it('removes the quarantine object, every tus sidecar and the final object, and nothing of another upload', async () => {
    const refs = [quarantineRef(UPLOAD), ...quarantineSidecars(UPLOAD), finalRef('aa/final-key')];
    for (const ref of [...refs, quarantineRef(OTHER)]) await write(ref);
    await removeBytes(storage, { upload: lockedUpload(UPLOAD), storagePath: 'aa/final-key' });
    for (const ref of refs) expect(await storage.stat(ref), ref.key).toBeNull();
    expect(await storage.stat(quarantineRef(OTHER))).not.toBeNull();
  });

  it('is idempotent: bytes already gone are no error (a caller that died half-way runs it again)', async () => {
    await write(quarantineRef(UPLOAD));
    await removeBytes(storage, { upload: lockedUpload(UPLOAD) });
    await expect(removeBytes(storage, { upload: lockedUpload(UPLOAD), storagePath: 'aa/final-key' })).resolves.toBeUndefined();
  });

  it('removes only what it is given: final storage alone needs no upload lock', async () => {
    await write(quarantineRef(UPLOAD));
    await write(finalRef('aa/copy'));
    await removeBytes(storage, { storagePath: 'aa/copy' });
    expect(await storage.stat(finalRef('aa/copy'))).toBeNull();
    expect(await storage.stat(quarantineRef(UPLOAD))).not.toBeNull();
  });

  it('will not take quarantine bytes without the proof of the lock (compile-time)', async () => {
    // @ts-expect-error an upload id alone is not a LockedUpload: only the lock holder makes one.
    await removeBytes(storage, { upload: { uploadId: UPLOAD } });
    expect(await storage.stat(quarantineRef(UPLOAD))).toBeNull();
  });
});
