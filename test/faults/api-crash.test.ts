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
const SIZE = 50 * MiB;
const TRIALS = 20;

describe(`kill -9 of the API at random points of a 50 MiB upload (${TRIALS} trials)`, () => {
  let stack: Stack;
  let token: string;
  let dir: string;
  let source: { path: string; sha256: string };

  beforeAll(async () => {
    // A killed API leaves its upload lock behind until the lock's TTL: 2 s here.
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, UPLOAD_LOCK_TTL_SECONDS: '2' } });
    token = await stack.token('alice');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-faults-'));
    source = await randomFile(dir, SIZE);
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never loses an acknowledged byte, never claims one it does not have, and always resumes to identical bytes', async () => {
    const offsets: number[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const { body } = await createUpload(stack.url, token, SIZE);
      const { upload_url: url, upload_id: id } = body as Record<string, string>;
      const file = quarantinePath(stack.dataDir, id!);
      // A random point anywhere in the upload, including before the first byte lands.
      const killAt = Math.floor(Math.random() * (SIZE - MiB));
      const request = http.request(url!, {
        method: 'PATCH',
        headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(SIZE) }),
      });
      request.on('error', () => {});
      const stream = fs.createReadStream(source.path, { highWaterMark: 256 * 1024 });
      stream.pipe(request);
      await waitFor(
        async () => (fs.existsSync(file) ? fs.statSync(file).size : 0),
        (size) => size >= killAt,
        { what: `${killAt} bytes on disk` },
      );
      await stack.api.kill();
      stream.destroy();
      const onDisk = fs.statSync(file).size;
      await stack.api.restart();

      const head = await fetch(url!, { method: 'HEAD', headers: tusHeaders(token) });
      const offset = Number(head.headers.get('upload-offset'));
      expect(offset).toBe(onDisk);
      expect((await status(stack.url, token, id!)).bytes_received as number).toBeLessThanOrEqual(offset);
      offsets.push(offset);

      await tusUpload(stack.url, token, source.path, { uploadUrl: url! }).done;
      expect(await sha256File(file)).toBe(source.sha256);
      expect(await status(stack.url, token, id!)).toMatchObject({ status: 'assembling', bytes_received: SIZE });
      fs.rmSync(file, { force: true });
      console.log(`[measure] trial ${trial + 1}: killed at ${offset} bytes, resumed to identical bytes`);
    }
    // The kills landed all over the upload, not only at its start.
    expect(Math.max(...offsets)).toBeGreaterThan(SIZE / 4);
  }, 300_000);
});
