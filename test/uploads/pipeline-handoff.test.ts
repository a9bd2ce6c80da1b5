import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, status } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('hand-off to the pipeline', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({ env: { LOG_LEVEL: 'info', ALLOWED_TYPES: OCTETS } });
    token = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  it('enqueues the finished upload for the validator app, a separate process', async () => {
    const validator = await stack.startWorker('validator');
    const { body } = await createUpload(stack.url, token, 64);
    const { upload_url: url, upload_id: id, file_id: fileId } = body as Record<string, string>;
    expect((await patch(url!, token, 0, new Uint8Array(64))).status).toBe(204);
    expect(await status(stack.url, token, id!)).toMatchObject({ status: 'assembling' });
    await waitFor(
      async () => validator.output(),
      (out) => out.includes(`"fileId":"${fileId}"`) && out.includes('validate: type allowed'),
      { what: 'the validator to take the job' },
    );
    // Validated, and waiting for a scanner: none runs in this stack.
    expect(await status(stack.url, token, id!)).toMatchObject({ status: 'scanning' });
    expect(await validator.stop()).toBe(0);
  });
});

describe('configuration', () => {
  it.each([
    ['MAX_UPLOAD_SIZE', 'lots'],
    ['DATABASE_URL', 'mysql://nope'],
    ['PORT', '-1'],
  ])('stops the API at start with one line naming %s', (name, value) => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'apps/api/dist/main.js')], {
      env: { ...process.env, [name]: value },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
  });
});
