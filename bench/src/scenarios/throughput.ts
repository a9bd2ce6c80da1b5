import fs from 'node:fs';
import { percentile, pool, uploadBuffer, uploadRange } from '../client.js';
import { readSlice } from '../data.js';
import { perUpload, readingCost } from '../counters.js';
import { compare, cpuFields, log, round, settleDisk, timed, type Metrics } from '../measure.js';
import { GiB, KiB, MB, MiB } from '../options.js';
import { memoryBytes, resetPeakRss, sampleRss } from '../processes.js';
import { ratioFields } from '../report.js';
import type { Context } from './context.js';

/** 1 GiB (or --single-mib) in one upload of 8 MiB PATCHes: MB/s. */
export async function singleStream(ctx: Context): Promise<void> {
  const { options, source } = ctx;
  const bytes = options.singleBytes;
  const label = `${bytes / MiB} MiB single stream`;
  log(`${label}, ${options.chunkBytes / MiB} MiB chunks`);
  const results = await compare(
    ctx.targets().map((target) => ({
      server: target.server,
      run: async () => {
        await ctx.prepare(target, { worker: options.workerDuringUploads });
        settleDisk();
        const run = await timed(target.procs(), () => uploadRange(target.endpoint, source, 0, bytes, options.chunkBytes));
        target.uploaded(run.value);
        const cpu = cpuFields(run);
        const metrics: Metrics = {
          mb_per_s: round(bytes / MB / run.seconds, 1),
          seconds: round(run.seconds, 3),
          ...cpu,
          server_cpu_s_per_gib: round(cpu.server_cpu_s! / (bytes / GiB), 3),
          server_v8_threads_cpu_s_per_gib: round(cpu.server_v8_threads_cpu_s! / (bytes / GiB), 3),
        };
        return { ...metrics, ...(await ctx.finish(target, bytes, 1)) };
      },
    })),
    options.runs,
    'mb_per_s',
  );
  emitAll(ctx, 'single_stream', label, { bytes }, results, 'mb_per_s', { op: '>=', value: 1.0 });
}

/** 1,000 × 64 KiB, 16 at a time, each a POST and one PATCH: uploads/s and latency. */
export async function smallUploads(ctx: Context): Promise<void> {
  const { options, source, sourceBytes } = ctx;
  const { count, bytes, concurrency } = options.small;
  const label = `${count} × ${bytes / KiB} KiB, ${concurrency} concurrent`;
  log(label);
  const results = await compare(
    ctx.targets().map((target) => ({
      server: target.server,
      run: async () => {
        await ctx.prepare(target, { worker: options.workerDuringUploads });
        const handle = await fs.promises.open(source);
        const latencies: number[] = [];
        settleDisk();
        const idle = target.counters ? await readingCost(target.counters) : undefined;
        const before = await target.counters?.read();
        const run = await timed(target.procs(), () =>
          pool(count, concurrency, async (index) => {
            // Distinct bytes per upload (a slice of the random source), read from the page cache.
            const body = await readSlice(handle, (index * bytes) % (sourceBytes - bytes + 1), bytes);
            const started = performance.now();
            target.uploaded(await uploadBuffer(target.endpoint, body));
            latencies.push(performance.now() - started);
          }),
        ).finally(() => handle.close());
        // Background disk writes (SQLite's checkpoint, tus's files) land a little after the last answer.
        settleDisk();
        const counted = before && idle ? perUpload(before, await target.counters!.read(), idle, count) : {};
        latencies.sort((a, b) => a - b);
        const cpu = cpuFields(run);
        const msPerUpload = (seconds: number) => round((seconds * 1000) / count, 3);
        const metrics: Metrics = {
          uploads_per_s: round(count / run.seconds, 1),
          p50_ms: round(percentile(latencies, 50), 1),
          p95_ms: round(percentile(latencies, 95), 1),
          p99_ms: round(percentile(latencies, 99), 1),
          seconds: round(run.seconds, 3),
          ...cpu,
          server_cpu_ms_per_upload: msPerUpload(cpu.server_cpu_s!),
          server_v8_threads_cpu_ms_per_upload: msPerUpload(cpu.server_v8_threads_cpu_s!),
          server_main_thread_cpu_ms_per_upload: msPerUpload(cpu.server_main_thread_cpu_s!),
          server_pool_cpu_ms_per_upload: msPerUpload(cpu.server_pool_cpu_s!),
          ...Object.fromEntries(Object.entries(counted).map(([key, value]) => [key, round(value, 1)])),
        };
        const pipeline = await ctx.finish(target, bytes * count, count);
        // Only meaningful when the worker sat out the uploads and then took the whole backlog.
        if (!options.workerDuringUploads && pipeline.pipeline_s) pipeline.pipeline_files_per_s = round(count / pipeline.pipeline_s, 1);
        return { ...metrics, ...pipeline };
      },
    })),
    options.runs,
    'uploads_per_s',
  );
  emitAll(ctx, 'small_uploads', label, { count, bytes, concurrency }, results, 'uploads_per_s', { op: '>=', value: 0.8 });
}

/**
 * 4 × 256 MiB at once: aggregate MB/s; and the peak RSS of each server process over the
 * run (for Airlock: the upload, then the pipeline taking the four files to `complete`).
 */
export async function concurrentUploads(ctx: Context): Promise<void> {
  const { options, source } = ctx;
  const { count, bytes } = options.concurrent;
  const label = `${count} × ${bytes / MiB} MiB concurrent`;
  log(label);
  const results = await compare(
    ctx.targets().map((target) => ({
      server: target.server,
      run: async () => {
        await ctx.prepare(target, { worker: true });
        settleDisk();
        const procs = target.procs();
        // VmHWM is the peak since the process started: reset it so it is this run's peak; the
        // 50 ms VmRSS samples are the fallback where the kernel does not allow the reset.
        const atStart = Object.fromEntries(procs.map((proc) => [proc.name, memoryBytes(proc.pid, 'VmRSS')]));
        const reset = procs.every((proc) => resetPeakRss(proc.pid));
        const sampler = sampleRss(Object.fromEntries(procs.map((proc) => [proc.name, proc.pid])));
        let metrics: Metrics;
        try {
          const run = await timed(procs, () =>
            Promise.all(Array.from({ length: count }, (_, index) => uploadRange(target.endpoint, source, index * bytes, bytes, options.chunkBytes))),
          );
          run.value.forEach((url) => target.uploaded(url));
          const cpu = cpuFields(run);
          metrics = {
            mb_per_s: round((count * bytes) / MB / run.seconds, 1),
            seconds: round(run.seconds, 3),
            ...cpu,
            server_cpu_s_per_gib: round(cpu.server_cpu_s! / ((count * bytes) / GiB), 3),
            server_v8_threads_cpu_s_per_gib: round(cpu.server_v8_threads_cpu_s! / ((count * bytes) / GiB), 3),
          };
          Object.assign(metrics, await ctx.finish(target, count * bytes, count));
        } finally {
          const sampled = sampler.stop();
          metrics ??= {};
          for (const proc of procs) {
            const peak = Math.max(reset ? memoryBytes(proc.pid, 'VmHWM') : 0, sampled[proc.name] ?? 0);
            metrics[`peak_rss_mib_${proc.name}`] = round(peak / MiB, 1);
            // What the process already held when the run began (heap kept from earlier scenarios).
            metrics[`start_rss_mib_${proc.name}`] = round(atStart[proc.name]! / MiB, 1);
            // Of the RSS, the file-backed part at the end (it only grows as code is touched): for
            // Node, ~50 MiB of the executable's own pages, shared and reclaimable, in every process.
            metrics[`file_rss_mib_${proc.name}`] = round(memoryBytes(proc.pid, 'RssFile') / MiB, 1);
          }
        }
        return metrics;
      },
    })),
    options.runs,
    'mb_per_s',
  );
  emitAll(ctx, 'concurrent_uploads', label, { count, bytes }, results, 'mb_per_s', undefined);
  const airlock = results.get('airlock');
  if (airlock) {
    const api = airlock.peak_rss_mib_api;
    ctx.report.emit({
      bench: 'peak_rss',
      server: 'airlock',
      during: label,
      api_mib: api ?? null,
      worker_mib: airlock.peak_rss_mib_worker ?? null,
      redis_mib: airlock.peak_rss_mib_redis ?? null,
      api_start_mib: airlock.start_rss_mib_api ?? null,
      api_file_mib: airlock.file_rss_mib_api ?? null,
      worker_start_mib: airlock.start_rss_mib_worker ?? null,
      target_api_mib: 150,
      meets: api === undefined ? null : api <= 150,
    });
  }
  const bare = results.get('bare_tus');
  if (bare)
    ctx.report.emit({
      bench: 'peak_rss',
      server: 'bare_tus',
      during: label,
      server_mib: bare.peak_rss_mib_bare_tus ?? null,
      server_start_mib: bare.start_rss_mib_bare_tus ?? null,
      server_file_mib: bare.file_rss_mib_bare_tus ?? null,
    });
}

/** One result line per server, then the ratio Airlock / bare @tus/server of `primary`. */
function emitAll(
  ctx: Context,
  bench: string,
  label: string,
  sizes: Metrics,
  results: Map<string, Metrics>,
  primary: string,
  target: { op: '>=' | '<='; value: number } | undefined,
): void {
  for (const [server, metrics] of results) ctx.report.emit({ bench, server, label, ...sizes, ...metrics });
  const ratio = ratioFields(results.get('airlock')?.[primary], results.get('bare_tus')?.[primary], target);
  if (results.has('airlock') && results.has('bare_tus')) ctx.report.emit({ bench, server: 'ratio', of: `airlock/bare_tus ${primary}`, ...ratio });
}
