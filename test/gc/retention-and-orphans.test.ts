import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, type Database } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantinePath } from '../support/files.js';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, PNG, TEXT_THEN_BINARY } from '../support/samples.js';
import { startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/** Retention of 1 s and an orphan grace period of 1 s, the collector every second, every stage running. */
describe('retention, orphans and missing bytes', () => {
  let stack: Stack;
  let worker: Proc;
  let db: Database;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({ env: { QUARANTINE_RETENTION_SECONDS: '1', ORPHAN_GRACE_SECONDS: '1', GC_INTERVAL_SECONDS: '1' } });
    worker = await stack.startWorker('worker', { LOG_LEVEL: 'info' });
    db = createDatabase(stack.env.DATABASE_URL!);
    token = await stack.token('keeper');
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  const finished = async (bytes: Uint8Array<ArrayBuffer>, filename: string) => {
    const up = await uploadBytes(stack.url, token, bytes, { filename });
    return { ...up, status: (await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 60_000)).status };
  };
  const purged = (fileId: string) =>
    waitFor(
      () => db.files.find(fileId),
      (file) => file?.purgedAt != null,
      { timeoutMs: 20_000, what: `${fileId} purged` },
    );
  const finalPath = (key: string) => path.join(stack.dataDir, 'files', key);

  it('purges the bytes of quarantined and rejected files once retention ends, keeping their rows; complete files untouched', async () => {
    const infected = await finished(Buffer.from(EICAR), 'eicar.txt');
    const rejected = await finished(TEXT_THEN_BINARY, 'fake.txt');
    const clean = await finished(PNG, 'dot.png');
    expect([infected.status, rejected.status, clean.status]).toEqual(['quarantined', 'rejected', 'complete']);

    for (const up of [infected, rejected]) {
      await purged(up.file_id);
      expect(fs.existsSync(quarantinePath(stack.dataDir, up.upload_id))).toBe(false);
      expect(fs.existsSync(`${quarantinePath(stack.dataDir, up.upload_id)}.json`)).toBe(false);
    }
    // The rows stay for audit: the files API still reports them, with their verdicts.
    const res = await fetch(`${stack.url}/files/${infected.file_id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ status: 'quarantined', scan: { result: 'infected' } });
    const complete = (await db.files.find(clean.file_id))!;
    expect(complete).toMatchObject({ status: 'complete', purgedAt: null });
    expect(fs.readFileSync(finalPath(complete.storagePath!))).toEqual(PNG);
  });

  it("removes storage objects without a row, leaves keys that are not Airlock's, and reports missing bytes without fixing them", async () => {
    const hour = new Date(Date.now() - 3600_000);
    const orphan = randomBytes(16).toString('hex');
    const finalOrphan = path.join('ab', `ab${randomBytes(15).toString('hex')}`);
    const planted = [quarantinePath(stack.dataDir, orphan), `${quarantinePath(stack.dataDir, orphan)}.json`, finalPath(finalOrphan)];
    const foreign = path.join(stack.dataDir, 'quarantine', 'notes.txt');
    for (const file of [...planted, foreign]) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, "nobody's");
      fs.utimesSync(file, hour, hour);
    }

    const lost = await finished(PNG, 'lost.png');
    const file = (await db.files.find(lost.file_id))!;
    fs.rmSync(finalPath(file.storagePath!));

    await waitFor(
      async () => planted.filter((p) => fs.existsSync(p)),
      (left) => left.length === 0,
      { timeoutMs: 20_000, what: 'the orphans to go' },
    );
    expect(fs.existsSync(foreign)).toBe(true);
    const errors = () =>
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":50'));
    // One error line naming the file, and the pass's summary (at error level too) counting it.
    const reported = (lines: string[]) =>
      lines.some((line) => line.includes('"msg":"gc: bytes missing for a complete file"') && line.includes(lost.file_id)) &&
      lines.some((line) => line.includes('"msg":"gc: pass done; complete files are missing their bytes"') && line.includes('"missingBytes":1'));
    await waitFor(async () => errors(), reported, { timeoutMs: 20_000, what: 'the missing bytes to be reported' });
    // Reported, never "fixed": the row is as it was.
    expect(await db.files.find(lost.file_id)).toMatchObject({ status: 'complete', purgedAt: null, deletedAt: null });
  });
});
