import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantinePath, randomFile, sha256File } from '../support/files.js';
import { createUpload, status, tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { tusUpload } from '../support/tus.js';
import { waitFor } from '@airlock/testing';

const MiB = 1024 * 1024;

describe('kill -9 of the API in the middle of a PATCH', () => {
  let stack: Stack;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    token = await stack.token('alice');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-crash-'));
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged byte and resumes to a byte-identical file', async () => {
    const source = await randomFile(dir, 30 * MiB);
    const { body } = await createUpload(stack.url, token, 30 * MiB);
    const { upload_url: url, upload_id: id } = body as Record<string, string>;

    // One PATCH of the whole file, streamed; the API dies once ~10 MiB have reached it.
    const request = http.request(url!, {
      method: 'PATCH',
      headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    });
    request.on('error', () => {});
    const stream = fs.createReadStream(source.path, { highWaterMark: 256 * 1024 });
    stream.pipe(request);
    const file = quarantinePath(stack.dataDir, id!);
    await waitFor(
      async () => fs.statSync(file).size,
      (size) => size >= 10 * MiB,
      { what: '10 MiB on disk' },
    );
    await stack.api.kill();
    stream.destroy();

    const onDisk = fs.statSync(file).size;
    await stack.api.restart();

    const head = await fetch(url!, { method: 'HEAD', headers: tusHeaders(token) });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBe(onDisk);
    const recorded = (await status(stack.url, token, id!)).bytes_received as number;
    expect(recorded).toBeLessThanOrEqual(offset);

    await tusUpload(stack.url, token, source.path, { uploadUrl: url! }).done;
    expect(await sha256File(file)).toBe(source.sha256);
    expect(await status(stack.url, token, id!)).toMatchObject({ status: 'assembling', bytes_received: 30 * MiB });
  });
});
