import { fit, formatBytes, formatDuration, formatRate } from './format.js';
import { SpeedMeter } from './speed-meter.js';

export interface ProgressBar {
  /** A word shown before the numbers: "hashing", "uploading", "waiting" … (resets the speed). */
  phase(name: string): void;
  update(done: number, total: number): void;
  /** Removes the bar; `line`, when given, stays printed. */
  finish(line?: string): void;
}

/** Progress on stderr: live bars on a terminal, milestone lines otherwise, nothing with --json. */
export interface ProgressDisplay {
  bar(label: string, total: number): ProgressBar;
  /** A line that stays (printed above the live bars). */
  log(line: string): void;
  stop(): void;
}

export function createDisplay(mode: 'bars' | 'lines' | 'silent', stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (mode === 'bars') return new TtyDisplay(stream);
  if (mode === 'lines') return new LineDisplay(stream);
  return { bar: () => ({ phase() {}, update() {}, finish() {} }), log() {}, stop() {} };
}

interface BarState {
  label: string;
  phase: string;
  done: number;
  total: number;
  meter: SpeedMeter;
}

/** One line per active bar, redrawn in place at most 10 times a second. */
class TtyDisplay implements ProgressDisplay {
  private readonly bars = new Set<BarState>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  bar(label: string, total: number): ProgressBar {
    const state: BarState = { label, phase: 'starting', done: 0, total, meter: new SpeedMeter() };
    this.bars.add(state);
    this.schedule();
    return {
      phase: (name) => {
        state.phase = name;
        state.meter.reset();
      },
      update: (done, all) => {
        state.done = done;
        state.total = all;
        state.meter.record(done);
      },
      finish: (line) => {
        this.bars.delete(state);
        if (line) this.log(line);
        else this.redraw();
      },
    };
  }

  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.redraw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.redraw();
    this.stream.write('\x1b[?25h'); // show the cursor again
  }

  private schedule(): void {
    if (this.timer) return;
    this.stream.write('\x1b[?25l');
    // unref: the bars never keep the process alive on their own.
    this.timer = setInterval(() => this.redraw(), 100).unref();
  }

  /** Moves to the first bar line and erases everything below it. */
  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const width = Math.max(40, (this.stream.columns || 80) - 1);
    const lines = [...this.bars].map((bar) => renderBar(bar, width));
    if (lines.length > 0) this.stream.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

export function renderBar(bar: Pick<BarState, 'label' | 'phase' | 'done' | 'total' | 'meter'>, width: number): string {
  const ratio = bar.total > 0 ? Math.min(1, bar.done / bar.total) : 0;
  const numbers = ` ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(bar.done)}/${formatBytes(bar.total)} ${formatRate(bar.meter.rate())} ETA ${formatDuration(bar.meter.eta(bar.total - bar.done))}`;
  const labelWidth = Math.min(28, Math.floor(width / 4));
  const head = `${fit(bar.label, labelWidth)} ${fit(bar.phase, 9)} `;
  const cells = Math.max(10, width - head.length - numbers.length - 2);
  const full = Math.round(ratio * cells);
  return `${head}[${'█'.repeat(full)}${'░'.repeat(cells - full)}]${numbers}`.slice(0, width);
}

/** For logs and CI: a line at each phase and at every quarter, never a control character. */
class LineDisplay implements ProgressDisplay {
  constructor(private readonly stream: NodeJS.WriteStream) {}

  bar(label: string): ProgressBar {
    const meter = new SpeedMeter();
    let quarter = -1;
    let current = '';
    return {
      phase: (name) => {
        current = name;
        quarter = -1;
        meter.reset();
        this.log(`${label}: ${name}`);
      },
      update: (done, all) => {
        meter.record(done);
        const now = all > 0 ? Math.floor((done / all) * 4) : 0;
        if (now > quarter && now < 4) {
          if (quarter >= 0) this.log(`${label}: ${current} ${now * 25}% (${formatBytes(done)} of ${formatBytes(all)}, ${formatRate(meter.rate())})`);
          quarter = now;
        }
      },
      finish: (line) => {
        if (line) this.log(line);
      },
    };
  }

  log(line: string): void {
    this.stream.write(`${line}\n`);
  }

  stop(): void {}
}
