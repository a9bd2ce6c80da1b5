import type { FileRecord } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { enqueueStage, stageOf } from './stage.js';

const file = (status: FileRecord['status'], result: FileRecord['scan']['result'] = null) => ({
  status,
  scan: { result, signature: null, attempts: 0, scannedAt: null },
});

describe('stageOf: the stage a file is in, from its record', () => {
  it('assembling → validate; scanning → scan, or promote once clean; anything else → none', () => {
    expect(stageOf(file('assembling'))).toBe('validate');
    expect(stageOf(file('scanning'))).toBe('scan');
    expect(stageOf(file('scanning', 'error'))).toBe('scan');
    expect(stageOf(file('scanning', 'clean'))).toBe('promote');
    for (const status of ['pending', 'uploading', 'complete', 'quarantined', 'rejected', 'scan_failed', 'failed'] as const) {
      expect(stageOf(file(status, 'clean'))).toBeNull();
    }
  });

  it('enqueues the stage job with its budget: STAGE_MAX_ATTEMPTS + 1, the scan SCAN_MAX_ATTEMPTS + 2', async () => {
    const jobs: unknown[] = [];
    const deps = {
      config: { stageMaxAttempts: 3, clamd: { maxAttempts: 4 } } as never,
      producer: { enqueue: async (...job: unknown[]) => void jobs.push(job) },
    };
    await enqueueStage(deps, 'f1', 'validate');
    await enqueueStage(deps, 'f1', 'scan');
    await enqueueStage(deps, 'f1', 'promote');
    expect(jobs).toEqual([
      ['upload.validate', { fileId: 'f1' }, { attempts: 4 }],
      ['upload.scan', { fileId: 'f1' }, { attempts: 6 }],
      ['upload.promote', { fileId: 'f1' }, { attempts: 4 }],
    ]);
  });
});
