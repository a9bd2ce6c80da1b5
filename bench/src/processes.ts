import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { onCleanup } from './cleanup.js';

/** The last bytes of a child's output, for error messages (a chatty child must not grow memory). */
const OUTPUT_TAIL = 64 * 1024;

export interface Proc {
  /** A short label for tables: `api`, `worker`, `bare_tus`, `redis`… */
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  alive(): boolean;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Adds an IPC channel: the child can report readiness with `process.send`. */
  ipc?: boolean;
  /** `env` is the whole environment (default: added to the bench's own). */
  clearEnv?: boolean;
}

/** Spawns a child that is stopped on exit, Ctrl-C or failure of the bench (see cleanup.ts). */
export function launch({ name, command, args, env, ipc = false, clearEnv = false }: SpawnOptions): Proc {
  const child = spawn(command, args, {
    env: clearEnv ? env : { ...process.env, ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_TAIL * 2) output = output.slice(-OUTPUT_TAIL);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let stopping: Promise<number | null> | undefined;
  const proc: Proc = {
    name,
    child,
    pid: child.pid!,
    output: () => output.slice(-OUTPUT_TAIL),
    alive,
    exited,
    stop(graceMs = 35_000) {
      stopping ??= (async () => {
        if (!alive()) return child.exitCode;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
  };
  onCleanup(`stop ${name} (pid ${proc.pid})`, () => proc.stop());
  return proc;
}

/** Resolves when `ready()` does; rejects with the child's output if it exits first. */
export async function untilReady(proc: Proc, ready: () => Promise<unknown>, what: string): Promise<void> {
  let onExit!: () => void;
  const died = new Promise<never>((_, reject) => {
    onExit = () => reject(new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before ${what}:\n${proc.output()}`));
    proc.child.once('exit', onExit);
  });
  try {
    if (!proc.alive()) onExit();
    await Promise.race([ready(), died]);
  } finally {
    proc.child.off('exit', onExit);
  }
}

/** A message from a child started with `ipc: true` (our own server scripts report their port so). */
export function firstMessage<T>(proc: Proc, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${proc.name} sent nothing within ${timeoutMs} ms:\n${proc.output()}`)), timeoutMs);
    proc.child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
  });
}

export async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------
// /proc accounting: CPU time and resident memory of a process, and of the whole machine.

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`)

/** A /proc `stat` line (a process's or a thread's): its command name and utime + stime in seconds. */
function readStat(file: string): { name: string; cpuSeconds: number } {
  const stat = fs.readFileSync(file, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
}

/** utime + stime of a process in seconds (its own threads; not its children). */
export function cpuSeconds(pid: number): number {
  try {
    return readStat(`/proc/${pid}/stat`).cpuSeconds;
  } catch {
    return Number.NaN; // the process is gone
  }
}

/** CPU seconds of a Node process's threads, by kind (threadSeconds). */
export interface ThreadSeconds {
  /** The main thread: the event loop, the JavaScript, and what it calls synchronously (SQLite here). */
  main: number;
  /** V8's background threads (`V8Worker`): the garbage collector's helpers (parallel scavenges,
   * concurrent marking), mostly, and background compilation. */
  v8: number;
  /** libuv's thread pool (`libuv-worker`): file system calls, DNS, some crypto. */
  pool: number;
}

/**
 * utime + stime of a process's threads (/proc/<pid>/task), by kind. All 0 but `main` for a
 * process that is not Node (redis-server's threads have other names).
 */
export function threadSeconds(pid: number): ThreadSeconds {
  const seconds = { main: 0, v8: 0, pool: 0 };
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const thread = readStat(`/proc/${pid}/task/${task}/stat`);
      if (task === String(pid)) seconds.main += thread.cpuSeconds;
      else if (thread.name.startsWith('V8Worker')) seconds.v8 += thread.cpuSeconds;
      else if (thread.name.startsWith('libuv-worker')) seconds.pool += thread.cpuSeconds;
    }
    return seconds;
  } catch {
    return { main: Number.NaN, v8: Number.NaN, pool: Number.NaN }; // the process (or one of its threads) is gone
  }
}

/**
 * From /proc/<pid>/status, in bytes: VmRSS, VmHWM (peak RSS), or RssFile, the part of VmRSS
 * that is file-backed (the executable's and libraries' pages, shared and reclaimable).
 */
export function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssFile'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resets the process's peak RSS (VmHWM) to its current RSS (`5` to clear_refs, Linux ≥ 4.0),
 * so VmHWM read later is the peak of the window that starts now. False when not permitted.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Busy and total jiffies of the whole machine (every core) from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** Samples VmRSS of some processes every `intervalMs` and keeps the maximum of each. */
export function sampleRss(pids: Record<string, number>, intervalMs = 50): { stop(): Record<string, number> } {
  const max: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const rss = memoryBytes(pid, 'VmRSS');
      if (rss > max[name]!) max[name] = rss;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}
