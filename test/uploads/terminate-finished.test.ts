import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { status, tusHeaders, uploadBytes, waitForStatus } from '../support/http.js';
import { PNG } from '../support/samples.js';
import { startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

/**
 * Issue #13, item 4: tus termination covers finished uploads. DELETE of a finished upload
 * deletes its file wherever it is — waiting in `assembling`, being scanned, `complete` — with
 * the guarantees of DELETE /files/:id: bytes gone, quota released once, the stage that holds
 * it ends without error.
 */
describe('DELETE of a finished upload', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  const filesUnder = (dir: string) =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((name) => fs.statSync(path.join(dir, String(name))).isFile()) : [];
  const usage = async (s: Stack, token: string) =>
    (await (await fetch(`${s.url}/me`, { headers: tusHeaders(token) })).json()) as { used_bytes: number; reserved_bytes: number };

  const start = async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: 'image/*', UPLOAD_MIN_CHARGE_BYTES: '0' } });
    return { s: stack, token: await stack.token('alice') };
  };

  it('of a complete file: 204, the file and its bytes are gone, the quota is free', async () => {
    const { s, token } = await start();
    await s.startWorker('worker');
    const up = await uploadBytes(s.url, token, PNG, { filename: 'dot.png', filetype: 'image/png' });
    await waitForStatus(s.url, token, up.upload_id, ['complete']);
    // A finished upload still carries its metadata on HEAD (from the database).
    const head = await fetch(up.upload_url, { method: 'HEAD', headers: tusHeaders(token) });
    expect(head.headers.get('upload-metadata')).toContain(`filename ${Buffer.from('dot.png').toString('base64')}`);
    expect(await usage(s, token)).toMatchObject({ used_bytes: PNG.length });

    const res = await fetch(up.upload_url, { method: 'DELETE', headers: tusHeaders(token) });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    expect((await fetch(`${s.url}/files/${up.file_id}`, { headers: tusHeaders(token) })).status).toBe(404);
    expect(filesUnder(path.join(s.dataDir, 'files'))).toEqual([]);
    expect(await usage(s, token)).toMatchObject({ used_bytes: 0, reserved_bytes: 0 });
    expect((await fetch(up.upload_url, { method: 'HEAD', headers: tusHeaders(token) })).status).toBe(410);
  });

  it('of a file waiting for validation, and of one waiting for its scan: 204, the stage ends without error', async () => {
    const { s, token } = await start();
    // No worker yet: the first file waits in `assembling`.
    const waiting = await uploadBytes(s.url, token, PNG, { filename: 'a.png' });
    expect(await status(s.url, token, waiting.upload_id)).toMatchObject({ status: 'assembling' });
    // A validator alone: the second file passes validation and waits in `scanning`.
    const validator = await s.startWorker('validator');
    const scanning = await uploadBytes(s.url, token, PNG, { filename: 'b.png' });
    await waitFor(
      () => status(s.url, token, scanning.upload_id),
      (v) => v.status === 'scanning',
      { what: 'scanning' },
    );
    // (the first one was validated too once the validator started; delete it before it scans)
    for (const up of [waiting, scanning]) {
      expect((await fetch(up.upload_url, { method: 'DELETE', headers: tusHeaders(token) })).status).toBe(204);
    }
    for (const up of [waiting, scanning]) {
      expect((await fetch(`${s.url}/files/${up.file_id}`, { headers: tusHeaders(token) })).status).toBe(404);
    }
    expect(filesUnder(path.join(s.dataDir, 'quarantine'))).toEqual([]);
    expect(await usage(s, token)).toMatchObject({ used_bytes: 0, reserved_bytes: 0 });
    // The scanner and promoter start now and find nothing to do: no error, nothing promoted.
    const rest = await s.startWorker('worker', { LOG_LEVEL: 'info' });
    await waitFor(
      async () => rest.output(),
      (out) => [waiting, scanning].every((up) => new RegExp(`"fileId":"${up.file_id}"[^\n]*nothing to do`).test(out)),
      {
        timeoutMs: 30_000,
        what: 'the scan jobs of both deleted files to end with nothing to do',
      },
    );
    expect(filesUnder(path.join(s.dataDir, 'files'))).toEqual([]);
    expect(rest.output() + validator.output()).not.toMatch(/"level":50/);
    expect(await usage(s, token)).toMatchObject({ used_bytes: 0, reserved_bytes: 0 });
  });
});
