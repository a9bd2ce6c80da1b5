import { randomBytes } from 'node:crypto';
import { testEnvironment } from '@airlock/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ClamdClient } from './clamd.client.js';
import { startFakeClamd, type FakeClamd } from './testing/fake-clamd.js';
import { EICAR, zipOf } from './testing/samples.js';

// The real clamd that npm test starts (scripts/clamd.sh; AIRLOCK_TEST_CLAMD_*).
const real = new ClamdClient(testEnvironment().clamd);

async function* chunks(...parts: Buffer[]) {
  for (const part of parts) yield part;
}

describe('ClamdClient against the real clamd', () => {
  it('answers PING and VERSION', async () => {
    expect(await real.ping()).toBe(true);
    expect((await real.version()).engine).toMatch(/^ClamAV \d+\.\d+/);
  });

  it('finds the EICAR test file, alone and inside a ZIP', async () => {
    const alone = await real.scan(chunks(Buffer.from(EICAR)), { timeoutMs: 10_000 });
    expect(alone.verdict).toBe('infected');
    expect(alone.signature).toMatch(/EICAR/i);
    const zipped = await real.scan(chunks(zipOf('readme.txt', Buffer.from(EICAR))), { timeoutMs: 10_000 });
    expect(zipped.verdict).toBe('infected');
  });

  it('reports an encrypted ZIP (AlertEncrypted): what it holds cannot be scanned', async () => {
    const encrypted = zipOf('readme.txt', Buffer.from('nothing to see here'), { password: 'secret' });
    expect(await real.scan(chunks(encrypted), { timeoutMs: 10_000 })).toMatchObject({ verdict: 'infected', signature: 'Heuristics.Encrypted.Zip' });
  });

  it('passes fresh random bytes as clean, streamed in many chunks', async () => {
    const parts = Array.from({ length: 40 }, () => randomBytes(256 * 1024));
    const result = await real.scan(chunks(...parts), { timeoutMs: 20_000 });
    expect(result).toMatchObject({ verdict: 'clean', signature: null, detail: 'stream: OK' });
  });

  it('finds EICAR split across chunk boundaries', async () => {
    const body = Buffer.concat([randomBytes(1000), Buffer.from(EICAR), randomBytes(1000)]);
    const result = await real.scan(chunks(body.subarray(0, 1020), body.subarray(1020)), { timeoutMs: 10_000 });
    expect(result.verdict).toBe('infected');
  });
});

describe('ClamdClient fails closed', () => {
  let fake: FakeClamd | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('times out on a clamd that accepts and never answers', async () => {
    fake = await startFakeClamd('silent');
    const client = new ClamdClient({ host: '127.0.0.1', port: fake.port });
    const result = await client.scan(chunks(randomBytes(1024)), { timeoutMs: 300 });
    expect(result.verdict).toBe('error');
    expect(result.detail).toMatch(/no answer within 300 ms/);
    expect(await client.ping(300)).toBe(false);
  });

  it.each(['garbage', 'close', 'ok-early'] as const)('gives an error, never clean, for a clamd that answers %s', async (mode) => {
    fake = await startFakeClamd(mode);
    const client = new ClamdClient({ host: '127.0.0.1', port: fake.port });
    const result = await client.scan(chunks(randomBytes(4096)), { timeoutMs: 500 });
    expect(result.verdict).toBe('error');
  });

  it('gives an error when nothing listens', async () => {
    fake = await startFakeClamd('silent');
    const port = fake.port;
    await fake.close();
    fake = undefined;
    const result = await new ClamdClient({ host: '127.0.0.1', port }).scan(chunks(Buffer.from('x')), { timeoutMs: 1_000 });
    expect(result).toMatchObject({ verdict: 'error' });
    expect(result.detail).toMatch(/ECONNREFUSED/);
  });

  it('gives an error when aborted', async () => {
    fake = await startFakeClamd('silent');
    const controller = new AbortController();
    const pending = new ClamdClient({ host: '127.0.0.1', port: fake.port }).scan(chunks(Buffer.from('x')), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    controller.abort();
    expect((await pending).verdict).toBe('error');
  });
});
