/**
 * Runs `load` on request, one at a time. A request that arrives while a load is under way is
 * not folded into it: that load may have read the server before whatever prompted the request
 * (an upload finishing while `GET /files` was in flight), and its answer would be the last.
 * Instead one more load runs after it, shared by every request that arrived meanwhile; their
 * promises settle when that load does.
 */
export function refresher(load: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> =>
    (running = load().finally(() => {
      running = null;
    }));
  const next = (): Promise<void> => {
    queued = null;
    return start();
  };
  return () => {
    if (!running) return start();
    // After the load under way, whether it succeeded or not.
    queued ??= running.then(next, next);
    return queued;
  };
}
