import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { randomFile, sha256File } from '../support/files.js';
import { status } from '../support/http.js';
import { JWT_SECRET, OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';
import { jsonOf, runCli, startCli } from './cli-process.js';

const MiB = 1024 * 1024;

// The tests share one stack and run side by side, each with a resume state of its own.
describe.concurrent('airlock, the command-line client, against the real stack', () => {
  let stack: Stack;
  let token: string;
  let dir: string;
  /** The CLI's environment for one test: the stack, alice's token, a resume state directory of its own. */
  const envFor = (name: string) => ({ AIRLOCK_URL: stack.url, AIRLOCK_TOKEN: token, AIRLOCK_STATE_DIR: path.join(dir, `state-${name}`) });
  const storedUploads = (env: { AIRLOCK_STATE_DIR: string }): { uploadUrl: string }[] => {
    const file = path.join(env.AIRLOCK_STATE_DIR, 'uploads.json');
    return fs.existsSync(file) ? Object.values(JSON.parse(fs.readFileSync(file, 'utf8')).uploads) : [];
  };

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS } });
    await stack.startWorker('worker');
    token = await stack.token('alice');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-cli-'));
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a 100 MiB upload killed half-way, waits for complete, and gets identical bytes back', async ({ expect }) => {
    const env = envFor('resume');
    const source = await randomFile(dir, 100 * MiB, 'big.bin');
    // Throttled so there is a half-way to kill it at, even on a fast machine.
    const first = startCli(['upload', source.path, '--json', '--limit-rate', '20M'], env);
    // Fails at once, with its output, should the first run end by itself.
    const whileRunning = <T>(waiting: Promise<T>) =>
      Promise.race([waiting, first.done.then((run) => Promise.reject(new Error(`the first run ended (${run.code}): ${run.stdout}${run.stderr}`)))]);
    const [stored] = await whileRunning(
      waitFor(
        async () => storedUploads(env),
        (uploads) => uploads.length === 1,
        { timeoutMs: 30_000, what: 'the upload URL in the resume state' },
      ),
    );
    const uploadId = stored!.uploadUrl.split('/').pop()!;
    await whileRunning(
      waitFor(
        async () => (await status(stack.url, token, uploadId)).bytes_received as number,
        (received) => received >= 40 * MiB,
        {
          timeoutMs: 30_000,
          what: '40 MiB received',
        },
      ),
    );
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const killedAt = (await status(stack.url, token, uploadId)).bytes_received as number;
    expect(killedAt).toBeLessThan(100 * MiB);

    const second = await runCli(['upload', source.path, '--json', '--wait'], env);
    expect(second.code, second.stderr).toBe(0);
    const [result] = jsonOf(second).uploads;
    // The same upload, continued where the server was: its first PATCH did not start at 0.
    expect(result).toMatchObject({ upload_id: uploadId, status: 'complete', size: 100 * MiB, error: null });
    expect(result.resumed_from).toBeGreaterThanOrEqual(killedAt);
    expect(storedUploads(env)).toEqual([]);

    const out = path.join(dir, 'downloaded.bin');
    const got = await runCli(['get', result.file_id, '-o', out, '--json'], env);
    expect(got.code, got.stderr).toBe(0);
    expect(jsonOf(got)).toMatchObject({ file_id: result.file_id, path: out, size: 100 * MiB, sha256: source.sha256, verified: true });
    expect(await sha256File(out)).toBe(source.sha256);
  }, 120_000);

  it('uploads several files in parallel, lists them page by page, shows and deletes one', async ({ expect }) => {
    const env = envFor('parallel');
    const files = await Promise.all(['a.bin', 'b.bin', 'c.bin'].map((name, i) => randomFile(dir, (i + 1) * 64 * 1024, name)));
    const up = await runCli(['upload', ...files.map((f) => f.path), '--parallel', '3', '--sha256', '--wait', '--json'], env);
    expect(up.code, up.stderr).toBe(0);
    const { ok, uploads } = jsonOf(up);
    expect(ok).toBe(true);
    expect(uploads.map((u: { status: string }) => u.status)).toEqual(['complete', 'complete', 'complete']);
    expect(uploads.map((u: { sha256: string }) => u.sha256)).toEqual(files.map((f) => f.sha256));
    const ids: string[] = uploads.map((u: { file_id: string }) => u.file_id);

    const page = jsonOf(await runCli(['ls', '--json', '--limit', '2'], env));
    expect(page.items).toHaveLength(2);
    expect(page.next_cursor).toEqual(expect.any(String));
    const all = jsonOf(await runCli(['ls', '--json', '--limit', '2', '--all', '--status', 'complete'], env));
    expect(all.next_cursor).toBeNull();
    expect(all.items.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining(ids));

    const byFile = jsonOf(await runCli(['status', ids[0]!, '--json'], env));
    expect(byFile.file).toMatchObject({ id: ids[0], status: 'complete', checksum_sha256: files[0]!.sha256, scan: { result: 'clean' } });
    const byUpload = jsonOf(await runCli(['status', uploads[1].upload_id, '--json'], env));
    expect(byUpload).toMatchObject({ upload: { upload_id: uploads[1].upload_id, status: 'complete' }, file: { id: ids[1] } });

    expect(jsonOf(await runCli(['rm', ids[2]!, '--json'], env))).toEqual({ deleted: ids[2] });
    const gone = await runCli(['status', ids[2]!], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`no file or upload ${ids[2]}`);
    const after = jsonOf(await runCli(['ls', '--json', '--all'], env));
    expect(after.items.map((f: { id: string }) => f.id)).not.toContain(ids[2]);
  }, 90_000);

  it("fails clearly with a bad token: the server's message, the status and a hint; nothing uploaded", async ({ expect }) => {
    const env = envFor('bad-token');
    const listed = await runCli(['ls'], { ...env, AIRLOCK_TOKEN: 'not-a-token' });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/invalid token \(HTTP 401 unauthorized\)/);
    expect(listed.stderr).toContain('hint: set AIRLOCK_TOKEN');

    const file = await randomFile(dir, 1024, 'small.bin');
    const up = await runCli(['upload', file.path, '--json'], { ...env, AIRLOCK_TOKEN: await stack.token('mallory', {}).then((t) => `${t}x`) });
    expect(up.code).toBe(1);
    expect(jsonOf(up).error).toMatchObject({ status: 401, code: 'unauthorized', hint: expect.stringContaining('AIRLOCK_TOKEN') });
    expect(storedUploads(env)).toEqual([]);
  });

  it("mints a token with the server's secret, and refuses to invent one", async ({ expect }) => {
    const minted = await runCli(['token', 'bob', '--admin', '--expires', '1h'], { AUTH_JWT_SECRET: JWT_SECRET, DATA_DIR: dir });
    expect(minted.code, minted.stderr).toBe(0);
    const me = await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${minted.stdout.trim()}` } });
    expect(await me.json()).toMatchObject({ user_id: 'bob' });

    const empty = fs.mkdtempSync(path.join(dir, 'data-'));
    const refused = await runCli(['token', 'bob'], { AUTH_JWT_SECRET: undefined, DATA_DIR: empty });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${path.join(empty, 'secrets', 'jwt-secret')} does not exist`);
    expect(fs.existsSync(path.join(empty, 'secrets'))).toBe(false);
  });
});
