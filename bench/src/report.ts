import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './measure.js';

export type Result = { bench: string; server: string } & Record<string, string | number | boolean | null>;

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

/** Collects results: each is printed as one JSON line on stdout as soon as it exists. */
export class Report {
  readonly results: Result[] = [];
  constructor(readonly meta: Result) {
    this.print(meta);
  }

  emit(result: Result): void {
    this.results.push(result);
    this.print(result);
  }

  find(bench: string, server: string): Result | undefined {
    return this.results.find((result) => result.bench === bench && result.server === server);
  }

  /**
   * bench/results/<name>: the same JSON lines as stdout, the run's description first.
   * `latest.json` (committed) is a full-size run's; `quick.json` (ignored) a --quick one's, so
   * the smoke run after npm test leaves the tree clean.
   */
  write(name: 'latest.json' | 'quick.json'): string {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, name);
    fs.writeFileSync(file, [this.meta, ...this.results].map((result) => JSON.stringify(result)).join('\n') + '\n');
    return file;
  }

  private print(result: Result): void {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

/** What the numbers were measured on, and how busy the machine was. */
export function describeMachine(dir: string): Record<string, string | number> {
  const cpus = os.cpus();
  let disk = '';
  try {
    disk = execFileSync('df', ['-hT', dir], { encoding: 'utf8' }).trim().split('\n')[1]!.split(/\s+/).slice(0, 3).join(' ');
  } catch {}
  return {
    host: os.hostname(),
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`,
    memory_gib: round(os.totalmem() / 2 ** 30, 1),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    disk,
    load_avg_1m: round(os.loadavg()[0]!, 2),
  };
}

export function ratioFields(airlock: number | undefined, baseline: number | undefined, target: { op: '>=' | '<='; value: number } | undefined) {
  const ratio = airlock !== undefined && baseline ? round(airlock / baseline, 3) : null;
  return {
    value: ratio,
    target: target ? `${target.op} ${target.value.toFixed(2)}` : null,
    meets: ratio === null || !target ? null : target.op === '>=' ? ratio >= target.value : ratio <= target.value,
  };
}
