import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClamdClient } from '@airlock/scanner';
import { startAirlock } from './airlock.js';
import { cleanUpOnSignals, cleanup, onCleanup, wasInterrupted } from './cleanup.js';
import { writeRandomFile } from './data.js';
import { log, round } from './measure.js';
import { MiB, parseOptions, UsageError, type Options } from './options.js';
import { runProfile } from './profile/profile.js';
import { runFlagsAb } from './flags-ab.js';
import { describeMachine, Report } from './report.js';
import { diskCeiling } from './scenarios/ceilings.js';
import { createContext, warmUp } from './scenarios/context.js';
import { pipeline } from './scenarios/pipeline.js';
import { concurrentUploads, singleStream, smallUploads } from './scenarios/throughput.js';
import { renderTable } from './table.js';
import { startBareTus, startSink } from './targets.js';

/**
 * pnpm bench (contract section 9): Airlock beside bare @tus/server, the raw disk and a plain
 * Node HTTP sink, in one run on one machine. Results: one JSON line each on stdout (and in
 * bench/results/latest.json), then a table. Progress goes to stderr.
 */
async function main(argv: string[]): Promise<void> {
  cleanUpOnSignals();
  const options = parseOptions(argv);
  const tmp = fs.mkdtempSync(path.join(options.dir, 'airlock-bench-'));
  if (options.keep) log(`keeping ${tmp}`);
  else onCleanup(`remove ${tmp}`, () => fs.promises.rm(tmp, { recursive: true, force: true }));
  if (options.profile) return runProfile(options, tmp);
  if (options.ab.length > 0) return runFlagsAb(options, tmp);

  const scanner = new ClamdClient(options.clamd);
  if (options.only.has('pipeline') || options.only.has('concurrent') || options.only.has('single') || options.only.has('small')) {
    if (!(await scanner.ping())) {
      throw new Error(
        `clamd does not answer at ${options.clamd.host}:${options.clamd.port}; start it: bash -c 'source scripts/lib.sh; source scripts/clamd.sh; ensure_clamd'`,
      );
    }
  }
  const started = performance.now();
  const report = new Report({
    bench: 'run',
    server: 'meta',
    started_at: new Date().toISOString(),
    quick: options.quick,
    database: options.postgres ? 'postgresql' : 'sqlite',
    runs: options.runs,
    chunk_bytes: options.chunkBytes,
    log_level: options.logLevel,
    api_flags: options.apiFlags.join(' '),
    worker_during_uploads: options.workerDuringUploads,
    ...describeMachine(tmp),
    clamd: (await scanner.version().catch(() => undefined))?.engine ?? null,
  });

  const sourceBytes = sourceSize(options);
  const source = path.join(tmp, 'source.bin');
  if (sourceBytes > 0) {
    log(`writing ${sourceBytes / MiB} MiB of random bytes (once, reused by every server)…`);
    await writeRandomFile(source, sourceBytes);
  }
  log('starting the HTTP sink, bare @tus/server and Airlock (API, private Redis; worker when needed)…');
  const sink = options.only.has('ceilings') ? await startSink() : undefined;
  const bare = await startBareTus(path.join(tmp, 'bare-tus'));
  const airlock = await startAirlock(options, path.join(tmp, 'airlock'), options.apiFlags);
  // The same request headers for every server (bare tus ignores Authorization).
  bare.endpoint.headers = airlock.endpoint.headers;
  if (sink) sink.endpoint.headers = airlock.endpoint.headers;
  if (options.workerDuringUploads) await airlock.startWorker();

  const ctx = createContext({ options, tmp, source, sourceBytes, report, sink, bare, airlock });
  log('warming up every server (untimed)…');
  await warmUp(ctx.targets(), airlock, source, sourceBytes, options.chunkBytes, options.warmupCount);
  if (options.only.has('ceilings')) await diskCeiling(ctx);
  if (options.only.has('single')) await singleStream(ctx);
  if (options.only.has('small')) await smallUploads(ctx);
  if (options.only.has('concurrent')) await concurrentUploads(ctx);
  if (options.only.has('pipeline')) await pipeline(ctx);

  const noise = report.results.map((result) => result.others_busy_pct).filter((value): value is number => typeof value === 'number');
  report.emit({
    bench: 'run',
    server: 'end',
    seconds: round((performance.now() - started) / 1000, 1),
    load_avg_1m: round(os.loadavg()[0]!, 2),
    others_busy_pct_mean: noise.length ? round(noise.reduce((a, b) => a + b, 0) / noise.length, 1) : null,
  });
  const file = report.write(options.quick ? 'quick.json' : 'latest.json');
  const meta = report.meta;
  const end = report.find('run', 'end')!;
  process.stdout.write(
    [
      '',
      `Airlock bench ${meta.started_at} · ${meta.cpu} · ${meta.memory_gib} GiB RAM · ${meta.kernel} · Node ${meta.node} · disk ${meta.disk}`,
      `database ${meta.database} · ${options.quick ? 'QUICK sizes · ' : ''}${options.apiFlags.length > 0 ? `API flags ${options.apiFlags.join(' ')} · ` : ''}runs ${options.runs} · load avg ${meta.load_avg_1m} → ${end.load_avg_1m} · other processes used ${end.others_busy_pct_mean ?? '?'}% of the CPU during timed runs`,
      '',
      renderTable(report),
      '',
      `JSON lines: ${path.relative(process.cwd(), file)}`,
      '',
    ].join('\n'),
  );
}

/** One random file serves every throughput scenario: the largest of them. */
function sourceSize({ only, singleBytes, small, concurrent }: Options): number {
  return Math.max(
    only.has('single') ? singleBytes : 0,
    only.has('small') ? small.count * small.bytes : 0,
    only.has('concurrent') ? concurrent.count * concurrent.bytes : 0,
  );
}

main(process.argv.slice(2)).then(
  () => cleanup(),
  async (error: unknown) => {
    // Ctrl-C: the signal handler cleans up and exits; servers dying under us is expected.
    if (wasInterrupted()) return;
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${error.usage}`);
    else process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanup();
    process.exit(1);
  },
);
