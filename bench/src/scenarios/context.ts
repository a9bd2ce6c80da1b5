import { randomBytes } from 'node:crypto';
import type { Airlock } from '../airlock.js';
import { pool, uploadBuffer, uploadRange } from '../client.js';
import { log, round, type Metrics } from '../measure.js';
import { MB, type Options } from '../options.js';
import type { Report } from '../report.js';
import type { Target } from '../targets.js';

/** What every scenario gets: the servers, the random source file, the report. */
export interface Context {
  options: Options;
  /** The run's temp directory (on the disk dd measures). */
  tmp: string;
  /** A file of random bytes made once and reused by every server (streamed, never held in memory). */
  source: string;
  sourceBytes: number;
  report: Report;
  sink: Target | undefined;
  bare: Target;
  airlock: Airlock;
  /** The servers a throughput scenario compares: the HTTP sink (unless ceilings are skipped), bare tus, Airlock. */
  targets(): Target[];
  /** Before a timed run: Airlock's worker runs or not. */
  prepare(target: Target, state: { worker: boolean }): Promise<void>;
  /**
   * After a timed run, untimed: Airlock waits until its pipeline took every upload to a terminal
   * status (all must be `complete`) and deletes them; the bare server's files are removed.
   */
  finish(target: Target, bytes: number, count: number): Promise<Metrics>;
}

export function createContext(fields: Omit<Context, 'targets' | 'prepare' | 'finish'>): Context {
  const { airlock } = fields;
  return {
    ...fields,
    targets: () => [...(fields.sink ? [fields.sink] : []), fields.bare, airlock],
    async prepare(target, { worker }) {
      if (target !== airlock) return;
      if (worker) await airlock.startWorker();
      else await airlock.stopWorker();
    },
    async finish(target, bytes, count): Promise<Metrics> {
      if (target !== airlock) {
        await target.reset();
        return {};
      }
      // A generous bound on a loaded machine: clamd does ~50 MB/s, plus per-file overhead.
      const { counts, seconds, failures } = await airlock.settle(120_000 + (bytes / (2 * MB)) * 1000 + count * 1000);
      const complete = counts.complete ?? 0;
      if (complete !== count)
        log(`WARNING: only ${complete} of ${count} Airlock uploads ended complete: ${JSON.stringify(counts)}; e.g. ${JSON.stringify(failures)}`);
      return { pipeline_s: round(seconds, 3), pipeline_complete: complete };
    },
  };
}

/**
 * Untimed, before anything is measured: a few small uploads and one of two chunks to every
 * server, through Airlock's pipeline too. The first requests of a Node process pay for JIT
 * compilation, and Airlock's first database queries for instantiating Prisma's query compiler
 * (WebAssembly): a one-off cost of ~1–2 CPU s that no steady-state figure should carry.
 */
export async function warmUp(targets: Target[], airlock: Airlock, source: string, sourceBytes: number, chunkBytes: number): Promise<void> {
  for (const target of targets) {
    // Random bytes: anything that looks like text would be refused by Airlock's type check.
    await pool(32, 8, async () => target.uploaded(await uploadBuffer(target.endpoint, randomBytes(64 * 1024))));
    if (sourceBytes > 0) target.uploaded(await uploadRange(target.endpoint, source, 0, Math.min(sourceBytes, 2 * chunkBytes), chunkBytes));
    if (target === airlock) {
      const { counts } = await airlock.settle(300_000);
      log(`  warm-up: Airlock's pipeline took them to ${JSON.stringify(counts)}`);
    } else {
      await target.reset();
    }
  }
}
