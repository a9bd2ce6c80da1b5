import fs from 'node:fs';
import path from 'node:path';
import { ClamdClient } from '@airlock/scanner';
import { uploadRange } from '../client.js';
import { writeRandomFile } from '../data.js';
import { compare, cpuFields, log, round, settleDisk, timed, type Metrics } from '../measure.js';
import { MB, MiB } from '../options.js';
import { ratioFields } from '../report.js';
import type { Context } from './context.js';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const POLL_MS = 20;

/**
 * Last byte → `complete` for 100 MiB of fresh random bytes (Airlock, polling GET /uploads/:id
 * every 20 ms), beside one bare clamd INSTREAM of 100 MiB of other fresh random bytes (clamd
 * caches verdicts by hash, so neither may see bytes scanned before).
 */
export async function pipeline(ctx: Context): Promise<void> {
  const { options, airlock, tmp } = ctx;
  const bytes = options.pipelineBytes;
  const label = `last byte → complete, ${bytes / MiB} MiB`;
  log(label);
  let fresh = 0;
  const freshFile = async () => {
    const file = path.join(tmp, `fresh-${++fresh}.bin`);
    await writeRandomFile(file, bytes);
    settleDisk();
    return file;
  };

  const viaAirlock = async (): Promise<Metrics> => {
    await ctx.prepare(airlock, { worker: true });
    const file = await freshFile();
    try {
      const url = await uploadRange(airlock.endpoint, file, 0, bytes, options.chunkBytes);
      airlock.uploaded(url);
      // Measured from the answer to the last PATCH (the upload is `assembling` by then).
      const seen: Record<string, number> = {};
      const run = await timed(airlock.procs(), async () => {
        const started = performance.now();
        for (;;) {
          const { status } = await airlock.status(url);
          seen[status] ??= (performance.now() - started) / 1000;
          if (TERMINAL.includes(status)) return status;
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      });
      if (run.value !== 'complete') log(`WARNING: the pipeline upload ended ${run.value}, not complete`);
      await ctx.finish(airlock, bytes, 1);
      return {
        seconds: round(run.seconds, 3),
        complete: run.value === 'complete' ? 1 : 0,
        // When each status was first seen, from the last byte (± the 20 ms poll).
        until_scanning_s: round(seen.scanning ?? Number.NaN, 3),
        ...cpuFields(run),
      };
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  };

  const viaClamd = async (): Promise<Metrics> => {
    const file = await freshFile();
    try {
      const scanner = new ClamdClient({ host: options.clamd.host, port: options.clamd.port });
      const run = await timed([], () => scanner.scan(fs.createReadStream(file, { highWaterMark: MiB }), { timeoutMs: 600_000 }));
      if (run.value.verdict !== 'clean') throw new Error(`bare clamd INSTREAM did not answer clean: ${run.value.detail}`);
      return { seconds: round(run.seconds, 3), mb_per_s: round(bytes / MB / run.seconds, 1), others_busy_pct: round(run.othersBusyPct, 1) };
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  };

  const results = await compare(
    [
      { server: 'clamd', run: viaClamd },
      { server: 'airlock', run: viaAirlock },
    ],
    options.runs,
    'seconds',
  );
  for (const [server, metrics] of results) ctx.report.emit({ bench: 'pipeline', server, label, bytes, ...metrics });
  const ratio = ratioFields(results.get('airlock')?.seconds, results.get('clamd')?.seconds, { op: '<=', value: 1.15 });
  ctx.report.emit({ bench: 'pipeline', server: 'ratio', of: 'airlock/clamd seconds', ...ratio });
}
