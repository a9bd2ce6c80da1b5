import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonStateStore } from './state-store.js';

const upload = (uploadUrl: string) => ({ size: 10, metadata: { filename: 'a.bin' }, creationTime: '', urlStorageKey: '', uploadUrl, parallelUploadUrls: null });

describe('JsonStateStore (the resume state)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds uploads by fingerprint across instances (runs), newest first, and forgets removed ones', async () => {
    const first = new JsonStateStore(path.join(dir, 'nested'));
    const older = await first.addUpload('fp-1', upload('http://x/uploads/1'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await first.addUpload('fp-1', upload('http://x/uploads/2'));
    await first.addUpload('fp-2', upload('http://x/uploads/3'));

    const next = new JsonStateStore(path.join(dir, 'nested'));
    expect((await next.findUploadsByFingerprint('fp-1')).map((u) => u.uploadUrl)).toEqual(['http://x/uploads/2', 'http://x/uploads/1']);
    expect(await next.findAllUploads()).toHaveLength(3);
    await next.removeUpload(older);
    expect((await next.findUploadsByFingerprint('fp-1')).map((u) => u.uploadUrl)).toEqual(['http://x/uploads/2']);
    expect(fs.statSync(next.file).mode & 0o777).toBe(0o600);
  });

  it('serialises concurrent writes of one process: none is lost', async () => {
    const store = new JsonStateStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.addUpload(`fp-${i}`, upload(`http://x/uploads/${i}`))));
    await store.settled();
    expect(await store.findAllUploads()).toHaveLength(20);
  });

  it('treats a damaged file as empty and replaces it on the next write', async () => {
    const store = new JsonStateStore(dir);
    fs.writeFileSync(store.file, '{"version":1,"uploads":{"trunc');
    expect(await store.findAllUploads()).toEqual([]);
    await store.addUpload('fp', upload('http://x/uploads/1'));
    expect(Object.values(JSON.parse(fs.readFileSync(store.file, 'utf8')).uploads)).toEqual([expect.objectContaining({ fingerprint: 'fp' })]);
  });

  it('takes over a lock left behind by a killed process once it is stale', async () => {
    const store = new JsonStateStore(dir);
    fs.mkdirSync(`${store.file}.lock`);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${store.file}.lock`, old, old);
    await store.addUpload('fp', upload('http://x/uploads/1'));
    expect(fs.existsSync(`${store.file}.lock`)).toBe(false);
  });
});
