import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status, uploadBytes, waitForStatus } from '../support/http.js';
import { ELF, EICAR, PNG, TEXT_THEN_BINARY, zipOf } from '../support/samples.js';
import { useStackDatabase } from '../support/database.js';
import { useStack } from '@airlock/testing/stack';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the pipeline against the real clamd', () => {
  const stack = useStack({ env: { ALLOWED_TYPES: 'image/*,application/pdf,text/plain,application/zip' }, workers: { worker: { LOG_LEVEL: 'info' } } });
  const db = useStackDatabase(stack);
  let token: string;
  beforeAll(async () => {
    token = await stack.token('alice');
  });

  const finalFile = (key: string) => path.join(stack.dataDir, 'files', key);
  const quarantined = (uploadId: string) => path.join(stack.dataDir, 'quarantine', uploadId);

  it('promotes a clean PNG: complete, byte-identical in final storage, gone from quarantine', async () => {
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png', filetype: 'image/png', sha256: sha256(PNG) });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'complete', failure_reason: null });
    const file = (await db.files.find(up.file_id))!;
    expect(file).toMatchObject({ mimeType: 'image/png', checksumSha256: sha256(PNG), scan: { result: 'clean', attempts: 1 } });
    expect(fs.readFileSync(finalFile(file.storagePath!))).toEqual(PNG);
    expect(fs.existsSync(quarantined(up.upload_id))).toBe(false);
    expect(fs.existsSync(`${quarantined(up.upload_id)}.json`)).toBe(false);
    const [audit] = await db.files.listScans(up.file_id);
    expect(audit).toMatchObject({ attempt: 1, result: 'clean', signature: null, detail: 'stream: OK' });
    expect(audit!.engineVersion).toMatch(/^ClamAV /);
  });

  it.each([
    ['the EICAR file', Buffer.from(EICAR), 'eicar.txt'],
    ['EICAR inside a ZIP', zipOf('readme.txt', Buffer.from(EICAR)), 'archive.zip'],
  ])('quarantines %s with its signature, never in final storage', async (_name, bytes, filename) => {
    const up = await uploadBytes(stack.url, token, bytes, { filename });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'quarantined' });
    const file = (await db.files.find(up.file_id))!;
    expect(file.scan).toMatchObject({ result: 'infected', attempts: 1 });
    expect(file.scan.signature).toMatch(/EICAR/i);
    expect(file.storagePath).toBeNull();
    expect(fs.readFileSync(quarantined(up.upload_id))).toEqual(bytes);
    expect(fs.existsSync(path.join(stack.dataDir, 'files', up.file_id.slice(0, 2), up.file_id))).toBe(false);
  });

  it('rejects an executable renamed report.pdf, by its bytes, at the first chunk', async () => {
    const { body } = await createUpload(stack.url, token, ELF.length, { 'Upload-Metadata': `filename ${Buffer.from('report.pdf').toString('base64')}` });
    const up = body as { upload_url: string; upload_id: string; file_id: string };
    expect((await patch(up.upload_url, token, 0, ELF)).status).toBe(415);
    expect(await status(stack.url, token, up.upload_id)).toMatchObject({ status: 'rejected' });
    expect((await db.files.find(up.file_id))?.scan.result).toBeNull();
  });

  it('rejects in the validator a file whose body belies its first bytes', async () => {
    const up = await uploadBytes(stack.url, token, TEXT_THEN_BINARY, { filename: 'notes.txt' });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({ status: 'rejected' });
    expect(await db.files.find(up.file_id)).toMatchObject({ mimeType: 'application/octet-stream', scan: { result: null } });
  });

  it('fails a file whose bytes do not match the client sha256', async () => {
    const up = await uploadBytes(stack.url, token, PNG, { filename: 'dot.png', sha256: 'f'.repeat(64) });
    expect(await waitForStatus(stack.url, token, up.upload_id, TERMINAL)).toMatchObject({
      status: 'failed',
      failure_reason: 'checksum_mismatch',
    });
    expect((await db.files.find(up.file_id))?.storagePath).toBeNull();
  });

  it('logs every scan attempt as one JSON line with the file id', () => {
    const lines = stack.workers
      .worker!.output()
      .split('\n')
      .filter((line) => line.includes('"audit":"scan"'));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ fileId: expect.any(String), result: expect.any(String) });
  });
});
