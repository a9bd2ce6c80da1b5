import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFile } from '../support/files.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { createDatabase } from '@airlock/db';
import { waitFor } from '@airlock/testing';
import { jsonOf, runCli, startCli } from './cli-process.js';

const MiB = 1024 * 1024;

describe('airlock upload --protocol', () => {
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    await stack.startWorker('worker');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-protocol-'));
    env = { AIRLOCK_URL: stack.url, AIRLOCK_TOKEN: await stack.token('alice') };
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(['ietf-draft-03', 'ietf-draft-05'])('uploads with %s (a draft upload on the server) to complete, same SHA-256', async (protocol) => {
    const source = await randomFile(dir, 3 * MiB, `${protocol}.bin`);
    const stateDir = path.join(dir, `state-${protocol}`);
    const run = startCli(['upload', source.path, '--json', '--wait', '--sha256', '--protocol', protocol, '--limit-rate', '1M', '--chunk-size', '1M'], {
      ...env,
      AIRLOCK_STATE_DIR: stateDir,
    });
    // While it runs, the upload's record (its row) says which protocol created it.
    const stored = await waitFor(
      async () => {
        const file = path.join(stateDir, 'uploads.json');
        return fs.existsSync(file) ? (Object.values(JSON.parse(fs.readFileSync(file, 'utf8')).uploads) as { uploadUrl: string }[]) : [];
      },
      (uploads) => uploads.length === 1,
      { what: 'the upload URL in the resume state' },
    );
    const id = stored[0]!.uploadUrl.split('/').pop()!;
    const db = createDatabase(stack.env.DATABASE_URL!);
    const metadata = (await db.uploads.find(id).finally(() => db.close()))?.upload.uploadMetadata ?? '';
    const keys = Object.fromEntries(
      metadata
        .split(',')
        .map((pair) => pair.split(' '))
        .map(([key, value]) => [key, Buffer.from(value ?? '', 'base64').toString()]),
    );
    expect(keys).toMatchObject({ 'airlock-protocol': 'ietf-draft', filename: `${protocol}.bin` });
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(jsonOf(done).uploads[0]).toMatchObject({ upload_id: id, status: 'complete', sha256: source.sha256 });
  });

  it('refuses an unknown protocol as a usage error', async () => {
    const run = await runCli(['upload', path.join(dir, 'x'), '--protocol', 'ietf-draft-99'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--protocol must be one of tus, ietf-draft-03, ietf-draft-05/);
  });
});
