import { spawnSync } from 'node:child_process';
import { median } from './client.js';
import { cpuSeconds, machineJiffies, threadSeconds, type Proc, type ThreadSeconds } from './processes.js';

export type Metrics = Record<string, number>;

export interface Timed<T> {
  value: T;
  seconds: number;
  /** CPU seconds per process name, `client` being the bench process (tus-js-client) itself. */
  cpu: Record<string, number>;
  /** Of that, per process, the CPU seconds of its threads by kind (processes.ts, threadSeconds). */
  threads: Record<string, ThreadSeconds>;
  /** The process that answers HTTP (the first one given): Airlock's API, bare @tus/server. */
  front: string | undefined;
  /**
   * Share of the whole machine's CPU capacity (every core) used by processes other than the
   * ones measured and the bench during the run: the noise, in percent.
   */
  othersBusyPct: number;
}

/**
 * Times `fn` and accounts the CPU time it cost each process. CPU seconds are a far steadier
 * figure than wall time on a shared machine: they hardly move with the load of others.
 */
export async function timed<T>(procs: Proc[], fn: () => Promise<T>): Promise<Timed<T>> {
  const before = procs.map((proc) => cpuSeconds(proc.pid));
  const threadsBefore = procs.map((proc) => threadSeconds(proc.pid));
  const client = process.cpuUsage();
  const machine = machineJiffies();
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineJiffies();
  const clientUsage = process.cpuUsage(client);
  const cpu: Record<string, number> = { client: (clientUsage.user + clientUsage.system) / 1e6 };
  procs.forEach((proc, index) => (cpu[proc.name] = cpuSeconds(proc.pid) - before[index]!));
  const threads = Object.fromEntries(procs.map((proc, index) => [proc.name, threadsDelta(threadsBefore[index]!, threadSeconds(proc.pid))]));
  const ours = finiteSum(Object.values(cpu)) * 100; // jiffies
  const total = machineAfter.total - machine.total;
  const othersBusyPct = total > 0 ? Math.max(0, ((machineAfter.busy - machine.busy - ours) / total) * 100) : 0;
  return { value, seconds, cpu, threads, front: procs[0]?.name, othersBusyPct };
}

function threadsDelta(before: ThreadSeconds, after: ThreadSeconds): ThreadSeconds {
  return { main: after.main - before.main, v8: after.v8 - before.v8, pool: after.pool - before.pool };
}

/**
 * The CPU part of a result line: `cpu_s_<process>`, `server_cpu_s` (every server process),
 * `server_v8_threads_cpu_s`, the part of it V8's background threads took (the garbage
 * collector's helpers, mostly: a regression in collection shows there first), and of the
 * process that answers HTTP, `server_main_thread_cpu_s` (its event loop: every request's
 * JavaScript, and SQLite's statements, which run on it) and `server_pool_cpu_s` (libuv's thread
 * pool: file system calls).
 */
export function cpuFields(run: Timed<unknown>): Metrics {
  const fields: Metrics = { others_busy_pct: round(run.othersBusyPct, 1) };
  let server = 0;
  for (const [name, seconds] of Object.entries(run.cpu)) {
    fields[`cpu_s_${name}`] = round(seconds, 3);
    if (name !== 'client') server += seconds;
  }
  fields.server_cpu_s = round(server, 3);
  fields.server_v8_threads_cpu_s = round(finiteSum(Object.values(run.threads).map((threads) => threads.v8)), 3);
  const front = run.front === undefined ? undefined : run.threads[run.front];
  if (front) {
    fields.server_main_thread_cpu_s = round(front.main, 3);
    fields.server_pool_cpu_s = round(front.pool, 3);
  }
  return fields;
}

/** The sum of the readings that exist (a process gone before its last reading gives NaN). */
function finiteSum(values: number[]): number {
  return values.reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
}

/** Flushes dirty pages before a timed run, so one run's writeback does not land in the next. */
export function settleDisk(): void {
  spawnSync('sync');
}

export interface Participant {
  server: string;
  run(): Promise<Metrics>;
}

/**
 * Runs each participant `runs` times, alternating the order between runs (so a drift in the
 * machine's load favours no one), and answers the median of every figure per participant.
 */
export async function compare(participants: Participant[], runs: number, primary: string): Promise<Map<string, Metrics>> {
  const samples = new Map<string, Metrics[]>(participants.map((participant) => [participant.server, []]));
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? participants : [...participants].reverse();
    for (const participant of order) {
      log(`  ${participant.server}${runs > 1 ? ` (run ${run + 1}/${runs})` : ''}…`);
      const metrics = await participant.run();
      log(`  ${participant.server}: ${primary} = ${metrics[primary]}`);
      samples.get(participant.server)!.push(metrics);
    }
  }
  const results = new Map<string, Metrics>();
  for (const [server, list] of samples) {
    const merged: Metrics = {};
    for (const key of Object.keys(list[0]!)) merged[key] = round(median(list.map((metrics) => metrics[key]!)), 3);
    if (runs > 1) merged.runs = runs;
    results.set(server, merged);
  }
  return results;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
