import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, type Database } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantinePath } from '../support/files.js';
import { createUpload, uploadBytes, waitForStatus } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const EXPIRY_S = 5;

/**
 * A file waiting for a stage that is not running stays in `assembling` or `scanning` long
 * past every timer (expiry, retention, the orphan grace period): the collector runs every
 * second and touches none of it; the file completes once the stages start.
 */
describe('garbage collection never touches work in the pipeline', () => {
  let stack: Stack;
  let janitor: Proc;
  let db: Database;

  beforeAll(async () => {
    stack = await startStack({
      env: { UPLOAD_EXPIRY_SECONDS: String(EXPIRY_S), GC_INTERVAL_SECONDS: '1', QUARANTINE_RETENTION_SECONDS: '0', ORPHAN_GRACE_SECONDS: '1' },
    });
    janitor = await stack.startWorker('janitor', { LOG_LEVEL: 'info' });
    db = createDatabase(stack.env.DATABASE_URL!);
    // Warm the API up (a cold first POST took seconds on a loaded machine, eating the expiry).
    await createUpload(stack.url, await stack.token('warm-up'), 1);
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  /** Collector passes so far (each logs one line). */
  const passes = () =>
    janitor
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"gc: pass done"')).length;
  /** Waits until the upload expiry has passed since now, and the collector ran 3 more times after it. */
  const pastTheExpiry = async () => {
    const expired = Date.now() + EXPIRY_S * 1000;
    await waitFor(async () => Date.now() > expired, Boolean, { timeoutMs: 30_000, what: 'the expiry' });
    const target = passes() + 3;
    await waitFor(
      async () => passes(),
      (count) => count >= target,
      { timeoutMs: 30_000, what: '3 more collector passes' },
    );
  };

  it('keeps an assembling, then scanning, file and its bytes past the expiry, and completes it when a scanner starts', async () => {
    const token = await stack.token('patient');
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png' });
    const bytes = quarantinePath(stack.dataDir, up.upload_id);

    // No validator: the file waits in `assembling`.
    await pastTheExpiry();
    expect((await db.files.find(up.file_id))?.status).toBe('assembling');
    expect(fs.readFileSync(bytes)).toEqual(PNG);

    // A validator but no scanner: the file waits in `scanning`.
    await stack.startWorker('validator');
    await waitForStatus(stack.url, token, up.upload_id, ['scanning']);
    await pastTheExpiry();
    expect(await db.files.find(up.file_id)).toMatchObject({ status: 'scanning', purgedAt: null });
    expect(fs.readFileSync(bytes)).toEqual(PNG);

    // The scanner (real clamd) and the promoter arrive: it completes, from the very bytes kept.
    await stack.startWorker('worker', { WORKER_QUEUES: 'scanner,promoter' });
    expect(await waitForStatus(stack.url, token, up.upload_id, ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'], 60_000)).toMatchObject({
      status: 'complete',
    });
    const file = (await db.files.find(up.file_id))!;
    expect(fs.readFileSync(path.join(stack.dataDir, 'files', file.storagePath!))).toEqual(PNG);
    expect(janitor.output()).not.toContain(up.file_id);
  }, 150_000);
});
