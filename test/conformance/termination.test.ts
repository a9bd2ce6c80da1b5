import { describe, expect, it } from 'vitest';
import { PNG } from '../support/samples.js';
import { OCTETS, useStack } from '@airlock/testing/stack';
import { expectTusError, expectTusResumable, userClient } from '../support/tus-raw.js';
import { waitFor } from '@airlock/testing';

/** tus 1.0.0, "Termination" extension (docs/TUS-CONFORMANCE.md, section termination). */
describe('tus termination', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: OCTETS }, workers: { worker: {} } });
  const tus = userClient(stack, 'alice');
  const bob = userClient(stack, 'bob');

  const me = async () => (await (await tus.send('GET', '/me')).json()) as { used_bytes: number; reserved_bytes: number };
  const untilStatus = (url: string, statuses: string[]) =>
    waitFor(
      () => tus.status(url),
      (s) => statuses.includes(s.status as string),
      { timeoutMs: 60_000, intervalMs: 100, what: statuses.join('/') },
    );

  it('termination/OPTIONS: MUST add termination to Tus-Extension', async () => {
    expect((await tus.options()).headers.get('tus-extension')!.split(',')).toContain('termination');
  });

  it('termination/DELETE: an unfinished upload MUST get 204 (with Tus-Resumable)', async () => {
    for (const headers of [{ 'Upload-Length': '10' }, { 'Upload-Defer-Length': '1' }]) {
      const url = await tus.open(headers);
      await tus.patch(url, 0, 'abc');
      const res = await tus.delete(url);
      expect(res.status, JSON.stringify(headers)).toBe(204);
      expectTusResumable(res);
    }
    const pending = await tus.open({ 'Upload-Length': '10' });
    expect((await tus.delete(pending)).status, 'no bytes yet').toBe(204);
  });

  it('termination/DELETE: every later request to the URL SHOULD get 404 or 410 (410, with Tus-Resumable, no Upload-Offset)', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    await tus.patch(url, 0, 'abc');
    await tus.delete(url);
    for (const [method, res] of [
      ['HEAD', await tus.head(url)],
      ['PATCH', await tus.patch(url, 3, 'de')],
      ['DELETE', await tus.delete(url)],
    ] as const) {
      expectTusError(res, 410, method);
      expect(res.headers.get('upload-offset'), method).toBeNull();
    }
    expect(await tus.status(url)).toMatchObject({ status: 'failed', failure_reason: 'terminated' });
  });

  it('termination/DELETE: the Server SHOULD free the resources (the reservation is released)', async () => {
    const before = await me();
    const url = await tus.open({ 'Upload-Length': '100000' });
    expect((await me()).reserved_bytes).toBeGreaterThan(before.reserved_bytes);
    await tus.delete(url);
    expect((await me()).reserved_bytes).toBe(before.reserved_bytes);
  });

  it('termination/DELETE: a finished upload MUST get 204 too, wherever it is in the pipeline', async () => {
    const url = await tus.finished(PNG);
    const res = await tus.delete(url);
    expect(res.status).toBe(204);
    expectTusResumable(res);
    expect((await tus.head(url)).status).toBe(410);
  });

  it('termination/DELETE: a complete upload MUST get 204, and its file goes away (quota released)', async () => {
    const url = await tus.finished(PNG);
    const done = await untilStatus(url, ['complete']);
    const used = (await me()).used_bytes;
    expect((await tus.delete(url)).status).toBe(204);
    expect((await tus.head(url)).status).toBe(410);
    expect((await tus.send('GET', `/files/${done.file_id as string}`)).status).not.toBe(200);
    expect((await me()).used_bytes).toBe(used - PNG.length);
  });

  it('termination/DELETE: an unsupported Tus-Resumable is 412 and MUST NOT terminate the upload', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    const res = await tus.delete(url, { 'Tus-Resumable': '0.2.2' });
    expect(res.status).toBe(412);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(await tus.status(url)).toMatchObject({ status: 'pending' });
  });

  it('termination/DELETE: a DELETE without Tus-Resumable is 412 and MUST NOT terminate the upload', async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expect((await tus.delete(url, { 'Tus-Resumable': undefined })).status).toBe(412);
    expect(await tus.status(url)).toMatchObject({ status: 'pending' });
  });

  it("termination/DELETE (Airlock): another user's upload is 404 and nothing changes", async () => {
    const url = await tus.open({ 'Upload-Length': '10' });
    expectTusError(await bob.delete(url), 404);
    expect(await tus.status(url)).toMatchObject({ status: 'pending' });
  });

  it('termination/DELETE (Airlock): an upload whose file was deleted (DELETE /files/:id) is 410 on HEAD, PATCH and DELETE', async () => {
    const url = await tus.finished(PNG);
    const done = await untilStatus(url, ['complete']);
    expect((await tus.send('DELETE', `/files/${done.file_id as string}`)).status).toBe(204);
    for (const [method, res] of [
      ['HEAD', await tus.head(url)],
      ['PATCH', await tus.patch(url, PNG.length, '')],
      ['DELETE', await tus.delete(url)],
    ] as const) {
      expectTusError(res, 410, method);
      expect(res.headers.get('upload-offset'), method).toBeNull();
    }
  });

  it('termination/DELETE: a partial upload (concatenation) MUST get 204', async () => {
    const url = await tus.open({ 'Upload-Length': '5', 'Upload-Concat': 'partial' });
    await tus.patch(url, 0, 'hello');
    expect((await tus.delete(url)).status).toBe(204);
    expect((await tus.head(url)).status).toBe(410);
  });
});
