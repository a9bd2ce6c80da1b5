import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, PNG } from '../support/samples.js';
import { startStack, type Stack } from '@airlock/testing/stack';

// Issue #12, item 9: what the API and workers leave on disk is the owner's alone. The
// processes run under umask 0 (children inherit it), so nothing comes from a kind umask,
// and DATA_DIR exists beforehand with wider modes, as scripts that share it may leave it.
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('files at rest are owner-only', () => {
  let base: string;
  let dataDir: string;
  let stack: Stack;
  let finalKey: string;
  let quarantinedUpload: string;
  const umask = process.umask();

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-at-rest-'));
    dataDir = path.join(base, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    process.umask(0);
    try {
      stack = await startStack({ env: { DATA_DIR: dataDir, DATABASE_URL: `file:${path.join(dataDir, 'airlock.db')}` } });
      await stack.startWorker('worker');
    } finally {
      process.umask(umask);
    }
    const token = await stack.token('alice');
    const clean = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png', filetype: 'image/png' });
    expect(await waitForStatus(stack.url, token, clean.upload_id, ['complete', 'quarantined', 'scan_failed', 'failed', 'rejected'])).toMatchObject({
      status: 'complete',
    });
    const infected = await uploadBytes(stack.url, token, Buffer.from(EICAR), { filename: 'eicar.txt' });
    expect(await waitForStatus(stack.url, token, infected.upload_id, ['complete', 'quarantined', 'scan_failed', 'failed', 'rejected'])).toMatchObject({
      status: 'quarantined',
    });
    quarantinedUpload = infected.upload_id;
    const db = createDatabase(stack.env.DATABASE_URL!);
    finalKey = (await db.files.find(clean.file_id))!.storagePath!;
    await db.close();
  });
  afterAll(async () => {
    process.umask(umask);
    await stack?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('DATA_DIR, the quarantine, final storage and the secrets folder are 0700', () => {
    const dirs = ['.', 'quarantine', 'files', path.dirname(path.join('files', finalKey)), 'secrets'];
    expect(dirs.map((dir) => [dir, mode(path.join(dataDir, dir))])).toEqual(dirs.map((dir) => [dir, 0o700]));
  });

  it('the SQLite file with its -wal and -shm, stored files and generated secrets are 0600', () => {
    const files = ['airlock.db', 'airlock.db-wal', 'airlock.db-shm', path.join('files', finalKey), path.join('secrets', 'signed-url-secret')];
    expect(files.map((file) => [file, mode(path.join(dataDir, file))])).toEqual(files.map((file) => [file, 0o600]));
  });

  it('what tus writes into the quarantine (the upload; its record is the database row) is 0600 too', () => {
    expect(fs.readdirSync(path.join(dataDir, 'quarantine')).filter((name) => name.startsWith(quarantinedUpload))).toEqual([quarantinedUpload]);
    const files = [quarantinedUpload];
    expect(files.map((file) => [file, mode(path.join(dataDir, 'quarantine', file))])).toEqual(files.map((file) => [file, 0o600]));
  });
});
