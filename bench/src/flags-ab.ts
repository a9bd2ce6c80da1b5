import path from 'node:path';
import { startAirlock, type Airlock } from './airlock.js';
import { median, uploadBodies } from './client.js';
import { randomBodies } from './data.js';
import { log, round, timed, type Metrics } from './measure.js';
import { splitFlags, type Options } from './options.js';
import { memoryBytes } from './processes.js';

/**
 * `pnpm bench --ab=<node flags> --ab=<node flags>`: two APIs (each with its own private Redis
 * and database, no worker), each started with docker/node-flags followed by its own set, warmed
 * up alike, then `--ab-rounds` rounds of the small uploads against each, interleaved (A B, B A, …):
 * both see the same machine, minute by minute. Per round and API: uploads per second and, per
 * upload, the CPU of the client and of the API's main thread, V8 helpers and thread pool; then the
 * medians and each API's RSS. This is how docs/BENCHMARK.md measured V8 flags against each other:
 * a difference of a few per cent is lost in the noise between two separate runs of `pnpm bench`.
 */
export async function runFlagsAb(options: Options, tmp: string): Promise<void> {
  const [flagsA = '', flagsB = ''] = options.ab;
  const apis: [string, Airlock][] = [
    ['A', await startAirlock(options, path.join(tmp, 'a'), splitFlags(flagsA))],
    ['B', await startAirlock(options, path.join(tmp, 'b'), splitFlags(flagsB))],
  ];
  const { count, concurrency } = options.small;
  const bodies = randomBodies(options.small.bytes);
  const uploads = (api: Airlock, n: number) => uploadBodies(api.endpoint, bodies, n, concurrency);
  log(`A: ${flagsA || '(docker/node-flags only)'}; B: ${flagsB || '(docker/node-flags only)'}; warming up each (${options.warmupCount} uploads)…`);
  for (const [, api] of apis) await uploads(api, options.warmupCount);

  const rounds = new Map<string, Metrics[]>(apis.map(([name]) => [name, []]));
  for (let round_ = 0; round_ < options.abRounds; round_++) {
    for (const [name, api] of round_ % 2 === 0 ? apis : [...apis].reverse()) {
      const run = await timed([api.api], () => uploads(api, count));
      const threads = run.threads[api.api.name]!;
      const perUpload = (cpuSeconds: number) => round((cpuSeconds * 1000) / count, 3);
      const metrics: Metrics = {
        uploads_per_s: round(count / run.seconds, 1),
        client_cpu_ms_per_upload: perUpload(run.cpu.client!),
        main_thread_cpu_ms_per_upload: perUpload(threads.main),
        v8_threads_cpu_ms_per_upload: perUpload(threads.v8),
        pool_cpu_ms_per_upload: perUpload(threads.pool),
      };
      rounds.get(name)!.push(metrics);
      log(`  round ${round_ + 1}/${options.abRounds} ${name}: ${JSON.stringify(metrics)}`);
    }
  }
  for (const [name, api] of apis) {
    const list = rounds.get(name)!;
    const medians = Object.fromEntries(Object.keys(list[0]!).map((key) => [key, round(median(list.map((metrics) => metrics[key]!)), 3)]));
    const rss = { api_rss_mib: round(memoryBytes(api.api.pid, 'VmRSS') / 2 ** 20, 1), api_peak_rss_mib: round(memoryBytes(api.api.pid, 'VmHWM') / 2 ** 20, 1) };
    process.stdout.write(
      `${JSON.stringify({ bench: 'flags_ab', api: name, node_flags: name === 'A' ? flagsA : flagsB, rounds: list.length, count, ...medians, ...rss })}\n`,
    );
  }
}
