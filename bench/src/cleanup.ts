/**
 * Everything the bench starts or creates registers how to undo it here; the actions run in
 * reverse order on a normal end, on an error and on Ctrl-C / SIGTERM, so no server process,
 * temp directory or database outlives the run.
 */
const actions: { what: string; run: () => unknown }[] = [];
let running: Promise<void> | undefined;
let interrupted = false;

/** True once Ctrl-C / SIGTERM arrived: what fails from then on is the interruption, not a bug. */
export function wasInterrupted(): boolean {
  return interrupted;
}

export function onCleanup(what: string, run: () => unknown): void {
  actions.push({ what, run });
}

export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (actions.length > 0) {
      const action = actions.pop()!;
      try {
        await action.run();
      } catch (error) {
        process.stderr.write(`[bench] cleanup: ${action.what} failed: ${(error as Error).message}\n`);
      }
    }
  })();
  return running;
}

/** Ctrl-C / SIGTERM: clean up, then exit 130 / 143. A second signal exits at once. */
export function cleanUpOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\n[bench] ${signal}: stopping servers and removing temp files…\n`);
      process.once(signal, () => process.exit(code));
      void cleanup().finally(() => process.exit(code));
    });
  }
}
