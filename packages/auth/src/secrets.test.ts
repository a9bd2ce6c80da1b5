import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecret, secretPath } from './secrets.js';

const BUILT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/secrets.js');

/**
 * One child process: waits for a common start time, then loads-or-creates a secret in each
 * of `dirs` (all fresh), printing one JSON line per dir: the value, or the error.
 */
const CHILD = `
const { loadOrCreateSecret } = await import(process.argv[1]);
const [startAt, ...dirs] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {}
const seen = dirs.map((dir) => {
  try { return { value: loadOrCreateSecret(dir, 'jwt-secret').value }; }
  catch (error) { return { error: String(error.message) }; }
});
process.stdout.write(JSON.stringify(seen));
`;

function child(startAt: number, dirs: string[]): Promise<Array<{ value?: string; error?: string }>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', CHILD, BUILT, String(startAt), ...dirs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

describe('loadOrCreateSecret', () => {
  let root: string;
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives processes starting together one whole secret: never empty, never two', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-secrets-'));
    // Many fresh data dirs raced by several processes at once: each race is a first start.
    const dirs = Array.from({ length: 300 }, (_, i) => path.join(root, `data-${i}`));
    const startAt = Date.now() + 1_500;
    const runs = await Promise.all(Array.from({ length: 6 }, () => child(startAt, dirs)));
    for (const [i, dir] of dirs.entries()) {
      const onDisk = fs.readFileSync(secretPath(dir, 'jwt-secret'), 'utf8');
      expect(onDisk).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(runs.map((seen) => seen[i])).toEqual(runs.map(() => ({ value: onDisk })));
    }
    // Nothing half-written is left behind.
    expect(fs.readdirSync(path.join(dirs[0]!, 'secrets'))).toEqual(['jwt-secret']);
  });

  it('creates the secrets folder 0700 and the secret 0600 whatever the umask', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-secrets-'));
    const previous = process.umask(0);
    try {
      const dataDir = path.join(root, 'data');
      const first = loadOrCreateSecret(dataDir, 'signed-url-secret');
      expect(loadOrCreateSecret(dataDir, 'signed-url-secret')).toEqual(first);
      expect(fs.statSync(path.join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
      expect(fs.statSync(secretPath(dataDir, 'signed-url-secret')).mode & 0o777).toBe(0o600);
      // A secrets folder that exists with wider modes is narrowed.
      fs.chmodSync(path.join(dataDir, 'secrets'), 0o755);
      loadOrCreateSecret(dataDir, 'signed-url-secret');
      expect(fs.statSync(path.join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });
});
