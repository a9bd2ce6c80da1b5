import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startExternalMemoryScavenger, type Scavenger } from './external-memory-scavenger.js';

const MiB = 2 ** 20;

/** Minor (young-generation) collections V8 reports while `work` runs. */
async function minorCollectionsDuring(work: () => Promise<void>): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    await work();
    // Entries are delivered asynchronously.
    await sleep(20);
    return seen.filter((entry) => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
  } finally {
    observer.disconnect();
  }
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await sleep(5);
}

describe('startExternalMemoryScavenger', () => {
  let scavenger: Scavenger | undefined;
  afterEach(() => scavenger?.stop());

  it('asks V8 for a young-generation collection once external memory has grown by the threshold', async () => {
    const held: Buffer[] = [];
    const minor = await minorCollectionsDuring(async () => {
      scavenger = startExternalMemoryScavenger({ everyBytes: 4 * MiB, intervalMs: 5 });
      // Outside V8's heap, as socket and file reads are: the young generation hardly grows.
      for (let i = 0; i < 6; i++) held.push(Buffer.allocUnsafeSlow(MiB));
      await until(() => scavenger!.scavenges > 0, 2_000);
    });
    expect(held).toHaveLength(6);
    expect(scavenger!.scavenges).toBe(1);
    expect(minor).toBeGreaterThanOrEqual(1);
  });

  it('asks for nothing while external memory stays below the threshold', async () => {
    const held: Buffer[] = [];
    scavenger = startExternalMemoryScavenger({ everyBytes: 64 * MiB, intervalMs: 5 });
    for (let i = 0; i < 6; i++) held.push(Buffer.allocUnsafeSlow(MiB));
    await sleep(100);
    expect(held).toHaveLength(6);
    expect(scavenger.scavenges).toBe(0);
  });

  it('does not expose gc() to the application', () => {
    scavenger = startExternalMemoryScavenger();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
