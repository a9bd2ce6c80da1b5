import fs from 'node:fs';
import path from 'node:path';
import { median } from '../client.js';
import { log, round, settleDisk } from '../measure.js';
import { MB, MiB } from '../options.js';
import { launch } from '../processes.js';
import type { Context } from './context.js';

const DD_BLOCK = 8 * MiB;

/**
 * The raw disk-write ceiling of the directory both servers write to:
 * `dd if=/dev/zero of=<tmp> bs=8M count=N conv=fdatasync` (the time includes flushing to the
 * device), MB/s computed from the bytes and seconds dd reports.
 */
export async function diskCeiling(ctx: Context): Promise<void> {
  const count = Math.max(1, Math.round(ctx.options.ddBytes / DD_BLOCK));
  log(`disk ceiling: dd bs=8M count=${count} conv=fdatasync`);
  const samples: { mb_per_s: number; seconds: number; dd_says: string }[] = [];
  for (let run = 0; run < ctx.options.runs; run++) {
    const file = path.join(ctx.tmp, 'dd.bin');
    settleDisk();
    const dd = launch({ name: 'dd', command: 'dd', args: ['if=/dev/zero', `of=${file}`, 'bs=8M', `count=${count}`, 'conv=fdatasync'], env: { LC_ALL: 'C' } });
    const code = await dd.exited;
    await fs.promises.rm(file, { force: true });
    if (code !== 0) throw new Error(`dd exited with ${code}: ${dd.output()}`);
    samples.push(parseDd(dd.output()));
    log(`  dd: ${samples.at(-1)!.dd_says}`);
  }
  ctx.report.emit({
    bench: 'disk_ceiling',
    server: 'dd',
    bytes: count * DD_BLOCK,
    mb_per_s: round(median(samples.map((sample) => sample.mb_per_s)), 1),
    seconds: round(median(samples.map((sample) => sample.seconds)), 3),
    dd_says: samples.map((sample) => sample.dd_says).join(', '),
    ...(ctx.options.runs > 1 ? { runs: ctx.options.runs } : {}),
  });
}

/** `1073741824 bytes (1.1 GB, 1.0 GiB) copied, 2.3 s, 467 MB/s` → MB/s from bytes and seconds. */
export function parseDd(output: string): { mb_per_s: number; seconds: number; dd_says: string } {
  const match = /(\d+) bytes .*copied, ([\d.]+) s, ([\d.]+ [kMGT]?B\/s)/.exec(output);
  if (!match) throw new Error(`cannot read dd's output: ${output}`);
  const seconds = Number(match[2]);
  return { mb_per_s: round(Number(match[1]) / MB / seconds, 1), seconds, dd_says: match[3]! };
}
