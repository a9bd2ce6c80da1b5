/**
 * Speed over a sliding window (default 5 s), so the rate and ETA follow the connection as it
 * is now rather than the average since the start, and a retry that re-sends bytes does not
 * produce a negative speed.
 */
export class SpeedMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  record(bytes: number): void {
    const at = this.now();
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  /** Bytes per second, or null until there is half a second of history. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 500) return null;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  /** Seconds left for `remaining` bytes at the current rate. */
  eta(remaining: number): number | null {
    const rate = this.rate();
    if (remaining <= 0) return 0;
    return rate ? remaining / rate : null;
  }
}
