import v8 from 'node:v8';
import vm from 'node:vm';

export interface ScavengerOptions {
  /** Growth of external memory since the last look that calls for a scavenge. */
  everyBytes?: number;
  /** How often to look (a read of V8's heap statistics: under a microsecond). */
  intervalMs?: number;
}

export interface Scavenger {
  /** Scavenges this scavenger has asked for so far. */
  readonly scavenges: number;
  stop(): void;
}

/**
 * Asks V8 for a scavenge (a young-generation collection) whenever the process's external
 * memory has grown by `everyBytes` without one, so that the API can run with a young
 * generation large enough for many small requests and still stream big bodies cheaply.
 *
 * Why (issue #15, docs/OPERATIONS.md "Memory"): a socket or file read hands JavaScript a 64 KiB
 * Buffer whose bytes live outside V8's heap; only its small wrapper is in the young generation.
 * V8 scavenges when the young generation is full, so while a body streams, a 4 MiB young
 * generation fills with wrappers only after hundreds of MiB of dead buffers, which pass the
 * heap's global limit first and bring full mark-compact collections (4 CPU s per GiB streamed
 * instead of 1.8). A 1 MiB young generation avoided that, but made every small upload pay for a
 * scavenge every three uploads. With a scavenge per 8 MiB of new external memory, both hold.
 *
 * The collection is V8's own `gc({ type: 'minor' })`, taken from a fresh context after
 * `--expose-gc`, so no `gc` global appears in the application's context.
 */
export function startExternalMemoryScavenger(options: ScavengerOptions = {}): Scavenger {
  const everyBytes = options.everyBytes ?? 8 * 2 ** 20;
  const scavenge = minorCollection();
  const external = () => v8.getHeapStatistics().external_memory;
  let baseline = external();
  let scavenges = 0;
  const timer = setInterval(() => {
    const now = external();
    // Freed since (a collection V8 ran itself, or buffers given back): measure from here.
    if (now < baseline) baseline = now;
    else if (now - baseline >= everyBytes) {
      scavenge();
      scavenges += 1;
      baseline = external();
    }
  }, options.intervalMs ?? 10);
  timer.unref();
  return {
    get scavenges() {
      return scavenges;
    },
    stop: () => clearInterval(timer),
  };
}

type Collect = (options: { type: 'minor' | 'major' }) => void;

/** A young-generation collection on demand: V8's `gc` function, from a context of its own. */
function minorCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as Collect;
  return () => gc({ type: 'minor' });
}
