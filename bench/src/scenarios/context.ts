import type { Airlock } from '../airlock.js';
import { uploadBodies, uploadRange } from '../client.js';
import { randomBodies } from '../data.js';
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
 * Untimed, before anything is measured: `count` small uploads (16 at a time) and one of two chunks
 * to every server, through Airlock's pipeline too. A fresh Node process runs its first requests
 * in unoptimised code: measured with two APIs side by side, interleaved, 1,000 small uploads at a
 * time, a fresh API took 2.5 ms of main-thread CPU per upload, 2.0 after 2,000 uploads and 1.8
 * after 5,000, and the client (tus-js-client, the same for every server) 0.9, 0.6 and 0.5 ms; the
 * rate went from ~300 to ~430 per second. Airlock's first database queries also instantiate
 * Prisma's query compiler (WebAssembly), ~1–2 CPU s once. No steady-state figure should carry
 * either, so the timed runs start after 3,000 uploads (issue #15).
 */
export async function warmUp(targets: Target[], airlock: Airlock, source: string, sourceBytes: number, chunkBytes: number, count: number): Promise<void> {
  const bodies = randomBodies(64 * 1024);
  for (const target of targets) {
    await uploadBodies(target.endpoint, bodies, count, 16, (url) => target.uploaded(url));
    if (sourceBytes > 0) target.uploaded(await uploadRange(target.endpoint, source, 0, Math.min(sourceBytes, 2 * chunkBytes), chunkBytes));
    if (target === airlock) {
      const { counts } = await airlock.settle(300_000);
      log(`  warm-up: Airlock's pipeline took them to ${JSON.stringify(counts)}`);
    } else {
      await target.reset();
    }
  }
}
