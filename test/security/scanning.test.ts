import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, PNG, zipOf } from '../support/samples.js';
import { useStackDatabase } from '../support/database.js';
import { useStack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

// Issue #12, item 7: scans that cannot pass silently. Real API, real workers, the real clamd
// that npm test starts (scripts/clamd.sh: AlertEncrypted on, test signatures only).
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const ALLOWED_TYPES = 'image/*,text/plain,application/zip';

describe('an encrypted archive is never complete', () => {
  const stack = useStack({ env: { ALLOWED_TYPES }, workers: { worker: {} } });
  const db = useStackDatabase(stack);
  let token: string;
  beforeAll(async () => {
    token = await stack.token('alice');
  });

  it('quarantines a password-protected ZIP: clamd cannot look inside, so it reports it', async () => {
    const encrypted = zipOf('report.txt', Buffer.from('quarterly numbers, nothing else'), { password: 'hunter2' });
    const up = await uploadBytes(stack.url, token, encrypted, { filename: 'report.zip', filetype: 'application/zip' });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'quarantined' });
    expect((await db.files.find(up.file_id))?.scan).toMatchObject({ result: 'infected', signature: 'Heuristics.Encrypted.Zip' });
  });

  it('still completes the same archive unencrypted (the alert is about encryption, not ZIPs)', async () => {
    const plain = zipOf('report.txt', Buffer.from('quarterly numbers, nothing else'));
    const up = await uploadBytes(stack.url, token, plain, { filename: 'report.zip', filetype: 'application/zip' });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'complete' });
  });
});

describe('in production, test signatures never make a file clean', () => {
  // ALLOW_TEST_SIGNATURES unset (workers inherit this environment): off with NODE_ENV=production.
  beforeAll(() => expect(process.env.ALLOW_TEST_SIGNATURES).toBeUndefined());
  const stack = useStack({ env: { ALLOWED_TYPES }, workers: { worker: { NODE_ENV: 'production', LOG_LEVEL: 'info' } } });
  const db = useStackDatabase(stack);
  let token: string;
  beforeAll(async () => {
    token = await stack.token('alice');
  });

  it('ends a file clamd answers OK for in scan_failed / test_signatures_only, and says why', async () => {
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png', filetype: 'image/png' });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({
      status: 'scan_failed',
      failure_reason: 'test_signatures_only',
    });
    const file = (await db.files.find(up.file_id))!;
    // Never promoted; the SHA-256 of what was scanned is kept for the audit (issue #19) all the same.
    expect(file).toMatchObject({ storagePath: null, checksumSha256: createHash('sha256').update(PNG).digest('hex'), scan: { result: 'error', attempts: 1 } });
    const [audit] = await db.files.listScans(up.file_id);
    expect(audit!.detail).toMatch(/^stream: OK; not clean: clamd \(ClamAV [^)]+\) has only test signatures/);
    expect(audit!.engineVersion).toMatch(/^ClamAV [\d.]+$/);
    // The worker said so at start, and for the file.
    await waitFor(
      async () => stack.workers.worker!.output(),
      (out) => out.includes('refusing to call a file clean'),
      { what: 'the refusal in the log' },
    );
    expect(stack.workers.worker!.output()).toContain('!!! clamd (ClamAV');
  });

  it('still quarantines what the test signatures do find', async () => {
    const up = await uploadBytes(stack.url, token, Buffer.from(EICAR), { filename: 'eicar.txt' });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'quarantined' });
  });

  it('reports clamd not ready on a production API, with the reason (informational: the API itself stays ready)', async () => {
    const prod = await stack.startApi({ NODE_ENV: 'production' });
    const res = await waitFor(
      () => fetch(`${prod.url}/readyz`),
      (r) => r.status === 200,
      { what: 'production API readiness' },
    );
    const body = (await res.json()) as { checks: { clamd: Record<string, unknown> } };
    expect(body.checks.clamd).toMatchObject({ ok: false, required: false, database: null, version: expect.stringMatching(/^ClamAV /) });
    expect(body.checks.clamd.error).toMatch(/only test signatures.*ALLOW_TEST_SIGNATURES/);
    // The development API of the same stack is ready on the same clamd.
    expect(
      await waitFor(
        () => fetch(`${stack.url}/readyz`).then((r) => r.status),
        (s) => s === 200,
        { what: 'dev readiness' },
      ),
    ).toBe(200);
  });
});
