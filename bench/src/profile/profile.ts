import fs from 'node:fs';
import path from 'node:path';
import { startAirlock } from '../airlock.js';
import { pool, uploadBuffer, uploadRange } from '../client.js';
import { readSlice, writeRandomFile } from '../data.js';
import { log, round, settleDisk, timed } from '../measure.js';
import { MB, MiB, type Options } from '../options.js';
import type { Proc } from '../processes.js';
import { RESULTS_DIR } from '../report.js';
import { warmUp } from '../scenarios/context.js';
import { startBareTus, type Target } from '../targets.js';
import { summarize, type CpuProfile, type ProfileSummary } from './cpu-profile.js';

const TOP = 20;

interface Window {
  scenario: string;
  fromUs: number;
  toUs: number;
  /** What the costs are divided by: GiB for the stream, uploads for the small ones. */
  per: { unit: string; count: number };
}

/**
 * `pnpm bench --profile`: bare @tus/server and the Airlock API each run under
 * `node --cpu-prof` through the single stream, then the small uploads (after an untimed
 * warm-up); each scenario's window of the profile is summarised: where each server spent its
 * CPU, side by side. The profiler slows both a little: these figures explain a gap, the bench
 * measures it. On a loaded machine the sampled time also counts time spent waiting for a core.
 */
export async function runProfile(options: Options, tmp: string): Promise<void> {
  const out = path.join(RESULTS_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  const profileArgs = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${path.join(out, name)}`];
  const { singleBytes: bytes, small } = options;
  const source = path.join(tmp, 'source.bin');
  const sourceBytes = Math.max(bytes, small.count * small.bytes);
  log(`writing ${sourceBytes / MiB} MiB of random bytes…`);
  await writeRandomFile(source, sourceBytes);

  const bare = await startBareTus(path.join(tmp, 'bare-tus'), profileArgs('bare-tus'));
  const airlock = await startAirlock(options, path.join(tmp, 'airlock'), profileArgs('api'));
  bare.endpoint.headers = airlock.endpoint.headers;
  log('warming up both servers (untimed, outside the profiled windows)…');
  await warmUp([bare, airlock], airlock, source, sourceBytes, options.chunkBytes, options.warmupCount);
  await airlock.stopWorker();

  const windowed = async (proc: Proc, scenario: string, per: Window['per'], work: () => Promise<unknown>): Promise<Window> => {
    settleDisk();
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const run = await timed([proc], work);
    log(`  ${proc.name} ${scenario}: ${round(run.seconds, 2)} s, ${round(run.cpu[proc.name]!, 2)} CPU s (under the profiler)`);
    return { scenario, fromUs, toUs: Number(process.hrtime.bigint() / 1000n), per };
  };

  const reports: string[] = [];
  for (const [target, proc, dirName] of [
    [bare, bare.proc, 'bare-tus'],
    [airlock, airlock.api, 'api'],
  ] as [Target, Proc, string][]) {
    const handle = await fs.promises.open(source);
    const windows = [
      await windowed(proc, `${bytes / MiB} MiB single stream, ${options.chunkBytes / MiB} MiB PATCHes`, { unit: 'GiB', count: bytes / 2 ** 30 }, () =>
        uploadRange(target.endpoint, source, 0, bytes, options.chunkBytes),
      ),
      await windowed(proc, `${small.count} × ${small.bytes / 1024} KiB, ${small.concurrency} concurrent`, { unit: 'upload', count: small.count }, () =>
        pool(
          small.count,
          small.concurrency,
          async (index) => void (await uploadBuffer(target.endpoint, await readSlice(handle, index * small.bytes, small.bytes))),
        ),
      ),
    ];
    await handle.close();
    await proc.stop(); // a normal exit writes the profile
    const dir = path.join(out, dirName);
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${proc.name} wrote no profile into ${dir}`);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    for (const window of windows) reports.push(render(`${target.server} · ${window.scenario}`, summarize(profile, window), window.per));
  }
  process.stdout.write(`\nCPU profiles (node --cpu-prof) in ${out}; throughput under the profiler: ${round(bytes / MB, 0)} MB per stream\n${reports.join('')}`);
}

function render(title: string, summary: ProfileSummary, per: Window['per']): string {
  const ms = (value: number) => `${value.toFixed(0).padStart(7)} ms ${((value / summary.busyMs) * 100).toFixed(1).padStart(5)}%`;
  const byTotal = (filter: (module: string) => boolean) =>
    summary.functions
      .filter((cost) => filter(cost.module))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, TOP)
      .map((cost) => `${ms(cost.totalMs)}  ${cost.name}  ${cost.where}`);
  const lines = [
    '',
    `== ${title}: ${summary.busyMs.toFixed(0)} ms sampled (${(summary.busyMs / per.count).toFixed(per.unit === 'GiB' ? 0 : 2)} ms per ${per.unit})`,
    '-- self time by module',
    ...summary.modules.slice(0, TOP).map((entry) => `${ms(entry.selfMs)}  ${entry.module}`),
    '-- self time by function',
    ...[...summary.functions]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, TOP)
      .map((cost) => `${ms(cost.selfMs)}  ${cost.name}  ${cost.where}`),
    '-- inclusive time, Airlock code (apps/*, packages/*)',
    ...byTotal((module) => /^(apps|packages)\//.test(module)),
    '-- inclusive time, libraries (not node: internals)',
    ...byTotal((module) => !/^(apps|packages|bench)\//.test(module) && !module.startsWith('node:') && !module.startsWith('(')),
  ];
  return `${lines.join('\n')}\n`;
}
