import { randomOctets } from '../support/files.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { useStorageProbe } from '@airlock/testing/stack';
import { useStackDatabase } from '../support/database.js';
import { OCTETS, useStack, type Proc } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const MiB = 1024 * 1024;
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

/**
 * Issue #14 item 5, end to end: the promoter killed with SIGKILL right after it recorded its
 * intent (the final key), while it copies and verifies on S3. Another promoter takes the stalled
 * job after JOB_LOCK_SECONDS and the file converges to one `complete`, its bytes in final storage
 * only. (Every other crash point is covered by promote-upload.crash.test.ts.)
 */
describe('the promoter killed mid-promotion on S3', () => {
  const probe = useStorageProbe('s3', () => stack.dataDir);
  const stack = useStack({
    env: () => ({ ALLOWED_TYPES: OCTETS, JOB_LOCK_SECONDS: '2', LOG_LEVEL: 'info', ...probe.env }),
    workers: { validator: {}, scanner: {} },
  });
  const db = useStackDatabase(stack);
  let token: string;
  const procs: Proc[] = [];
  beforeAll(async () => {
    token = await stack.token('alice');
  });
  afterAll(() => Promise.all(procs.map((proc) => proc.stop())));

  it('converges to one complete, bytes in final storage only', async () => {
    const doomed = await stack.startWorker('promoter');
    const up = await uploadBytes(stack.url, token, randomOctets(32 * MiB));
    // The intent is recorded: the copy to final storage is under way. Kill it there.
    await waitFor(
      async () => db.files.find(up.file_id),
      (file) => file?.storagePath != null || TERMINAL.includes(file?.status ?? ''),
      {
        intervalMs: 5,
        timeoutMs: 60_000,
        what: 'the promotion to record its intent',
      },
    );
    await doomed.kill();
    const atKill = await db.files.find(up.file_id);
    expect(atKill, 'the kill came after the promotion had finished').toMatchObject({
      status: 'scanning',
      storagePath: `${up.file_id.slice(0, 2)}/${up.file_id}`,
    });

    const promoter = await stack.startWorker('promoter');
    procs.push(promoter);
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL, 60_000)).toMatchObject({ status: 'complete' });
    expect(await probe.finalKeys()).toContain(`${up.file_id.slice(0, 2)}/${up.file_id}`);
    expect((await probe.quarantineKeys()).filter((key) => key.startsWith(up.upload_id))).toEqual([]);
    const completions = () =>
      promoter
        .output()
        .split('\n')
        .filter((line) => line.includes('promote: complete') && line.includes(up.file_id));
    await waitFor(
      async () => completions().length,
      (n) => n >= 1,
      { what: 'the promoter to log the completion' },
    );
    expect(completions()).toHaveLength(1);
  }, 180_000);
});
