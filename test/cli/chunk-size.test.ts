import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchesAccepted } from '../support/chunks.js';
import { randomFile } from '../support/files.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { jsonOf, runCli } from './cli-process.js';

const KiB = 1024;
const CHUNK_SIZE = 64 * KiB;

// One stack of its own: the PATCH count below is the server's, for this file's uploads only.
describe('the CLI sends chunks of the size the server advertises (CHUNK_SIZE)', () => {
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, CHUNK_SIZE: String(CHUNK_SIZE) } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-chunks-'));
    env = { AIRLOCK_URL: stack.url, AIRLOCK_TOKEN: await stack.token('carol'), AIRLOCK_STATE_DIR: path.join(dir, 'state') };
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('advertises it on OPTIONS /uploads, without a token', async () => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } });
    expect(res.headers.get('airlock-chunk-size')).toBe(String(CHUNK_SIZE));
  });

  it('uses it by default: 200 KiB and a bit go up in 4 PATCH requests', async () => {
    const source = await randomFile(dir, 200 * KiB + 100, 'default.bin');
    const before = await patchesAccepted(stack.url);
    const run = await runCli(['upload', source.path, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run)).toBeTruthy();
    expect((await patchesAccepted(stack.url)) - before).toBe(4);
  });

  it('an explicit --chunk-size still wins', async () => {
    const source = await randomFile(dir, 200 * KiB + 100, 'explicit.bin');
    const before = await patchesAccepted(stack.url);
    const run = await runCli(['upload', source.path, '--json', '--chunk-size', '128k'], env);
    expect(run.code, run.stderr).toBe(0);
    expect((await patchesAccepted(stack.url)) - before).toBe(2);
  });
});
