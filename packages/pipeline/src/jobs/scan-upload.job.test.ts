import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '@airlock/config';
import type { ScanAttempt } from '@airlock/core';
import type { Database } from '@airlock/db';
import type { Scanner, ScanResult } from '@airlock/scanner';
import { quarantineRef, type StorageDriver } from '@airlock/storage';
import { createLocalDriver } from '@airlock/storage/local';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerDeps } from '../job-types.js';
import { scanUpload } from './scan-upload.job.js';

const UPLOAD = 'a'.repeat(32);
const FILE = 'b'.repeat(32);
const BYTES = randomBytes(3 * 1024 * 1024 + 17);
const SHA256 = createHash('sha256').update(BYTES).digest('hex');

/**
 * The SHA-256 that a scan attempt records, whatever clamd answered: the evidence of an
 * infected or unscannable file names exactly its bytes, even when clamd stopped reading early.
 */
describe('upload.scan records the SHA-256 of the whole file', () => {
  let root: string;
  let storage: StorageDriver;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'airlock-scan-'));
    storage = createLocalDriver({ quarantineDir: join(root, 'q'), finalDir: join(root, 'f') });
    await storage.write(quarantineRef(UPLOAD), Readable.from([BYTES]));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A scanner that reads `chunks` chunks of the stream (all when undefined), then answers `verdict`. */
  const scannerReading = (verdict: ScanResult['verdict'], chunks?: number): Scanner => ({
    async scan(source) {
      let read = 0;
      for await (const _ of source) if (chunks !== undefined && ++read >= chunks) break;
      return { verdict, signature: verdict === 'infected' ? 'Test.Found.UNOFFICIAL' : null, detail: verdict, durationMs: 1 };
    },
    ping: async () => true,
    version: async () => ({ engine: 'test', database: null, databaseDate: null }),
  });

  async function run(scanner: Scanner, store: StorageDriver = storage) {
    const recorded: { attempt: ScanAttempt; sha256: string | null }[] = [];
    const db = {
      uploads: {
        findByFile: async () => ({ upload: { id: UPLOAD }, file: { id: FILE, status: 'scanning', scan: { result: null, attempts: 0 }, expectedSha256: null } }),
      },
      files: {
        recordScan: async (attempt: ScanAttempt, sha256: string | null) => (recorded.push({ attempt, sha256 }), true),
        transition: async () => true,
      },
    } as unknown as Database;
    const deps = {
      config: loadConfig({ DATA_DIR: root, SCAN_MAX_ATTEMPTS: '1' }),
      db,
      storage: store,
      scanner,
      producer: { enqueue: async () => {} },
      engineVersion: async () => 'test',
      logger: pino({ level: 'silent' }),
    } as unknown as WorkerDeps;
    await scanUpload(deps)({ fileId: FILE }, { logger: pino({ level: 'silent' }), attempt: 1, signal: new AbortController().signal });
    expect(recorded).toHaveLength(1);
    return recorded[0]!;
  }

  it('for a clean file, from the scan pass itself', async () => {
    expect(await run(scannerReading('clean'))).toMatchObject({ attempt: { result: 'clean' }, sha256: SHA256 });
  });

  it('for an infected file, also when clamd answered before reading every byte', async () => {
    expect(await run(scannerReading('infected'))).toMatchObject({ attempt: { result: 'infected' }, sha256: SHA256 });
    expect(await run(scannerReading('infected', 1))).toMatchObject({ attempt: { result: 'infected' }, sha256: SHA256 });
  });

  it('for a file clamd could not scan (a size limit closes the stream half-way)', async () => {
    expect(await run(scannerReading('error', 1))).toMatchObject({ attempt: { result: 'error' }, sha256: SHA256 });
  });

  it('null, without failing the attempt, when the bytes cannot be read again', async () => {
    let reads = 0;
    const flaky: StorageDriver = {
      ...storage,
      read: async (ref, range) => {
        if (++reads > 1) throw new Error('storage unavailable');
        return storage.read(ref, range);
      },
    };
    expect(await run(scannerReading('infected', 1), flaky)).toMatchObject({ attempt: { result: 'infected' }, sha256: null });
  });
});
