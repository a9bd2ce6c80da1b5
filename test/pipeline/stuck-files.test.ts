import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, type Database } from '@airlock/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const OWNER = 'stuck-owner';

/**
 * Issue #14: 1,000 files stuck in the pipeline (Redis lost their jobs), made directly in the
 * database, 900 of them with their quarantine bytes gone: the janitor's reconciler and the
 * workers, as deployed, bring every one to a terminal status: the 900 at once failed /
 * bytes_missing, the 100 others complete. (Before: the bytes-less files were re-enqueued forever
 * and, 500 oldest at a time, starved the rest.)
 */
describe('1,000 stuck files', () => {
  let stack: Stack;
  let db: Database;
  let worker: Proc | undefined;

  beforeAll(async () => {
    stack = await startStack({ env: { RECONCILE_AFTER_SECONDS: '1', STAGE_MAX_ATTEMPTS: '2' } });
    db = createDatabase(stack.env.DATABASE_URL!);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.close();
    await stack?.stop();
  });

  it('all end terminal: the ones without bytes failed / bytes_missing, the others complete', async () => {
    const hour = 3600_000;
    const healthy = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const [uploadId, fileId] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
      // The oldest 900 have no bytes: under the old order they filled every batch.
      const at = new Date(Date.now() - hour + i);
      await db.uploads.create({
        uploadId,
        fileId,
        ownerId: OWNER,
        originalFilename: `f${i}.txt`,
        declaredType: null,
        expectedSha256: null,
        totalSize: 6,
        chunkSize: 6,
        expiresAt: new Date(Date.now() + hour),
        now: at,
        reserveBytes: 6,
        defaultQuota: 2 ** 40,
      });
      await db.uploads.finish(uploadId, 6, at);
      if (i >= 900) {
        fs.mkdirSync(path.join(stack.dataDir, 'quarantine'), { recursive: true });
        fs.writeFileSync(path.join(stack.dataDir, 'quarantine', uploadId), `f${String(i).padStart(4, '0')}\n`);
        healthy.add(fileId);
      }
    }

    worker = await stack.startWorker('worker');
    const files = await waitFor(
      async () => (await db.files.list({ ownerId: OWNER, limit: 1000 })).items,
      (items) => items.every((file) => TERMINAL.includes(file.status)),
      { timeoutMs: 240_000, intervalMs: 1000, what: 'every stuck file to end' },
    );
    expect(files).toHaveLength(1000);
    const outcome = (ids: (id: string) => boolean) => new Set(files.filter((file) => ids(file.id)).map((file) => `${file.status}/${file.failureReason}`));
    expect(outcome((id) => healthy.has(id))).toEqual(new Set(['complete/null']));
    expect(outcome((id) => !healthy.has(id))).toEqual(new Set(['failed/bytes_missing']));
    expect(await db.users.usage(OWNER)).toMatchObject({ usedBytes: 600, reservedBytes: 0 });
  }, 300_000);
});
