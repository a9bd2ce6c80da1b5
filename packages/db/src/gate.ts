/** A FIFO mutex. */
export class Gate {
  private tail: Promise<void> = Promise.resolve();
  /** Holders and waiters: 0 when nobody holds the gate or waits for it. */
  private outstanding = 0;

  /** Nobody holds the gate or waits for it: synchronous work may run now, in turn. */
  get idle(): boolean {
    return this.outstanding === 0;
  }

  acquire(): Promise<() => void> {
    this.outstanding += 1;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let done = false;
    const releaseOnce = () => {
      if (done) return;
      done = true;
      this.outstanding -= 1;
      release();
    };
    const ready = this.tail.then(() => releaseOnce);
    this.tail = this.tail.then(() => released);
    return ready;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}
