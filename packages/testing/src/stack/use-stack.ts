import { useFixture } from '../fixture.js';
import type { Provider } from '../postgres.js';
import { startStack, type Proc, type Stack } from './start-stack.js';

export interface StackOptions {
  provider?: Provider;
  /**
   * The stack's environment. A function runs inside beforeAll, after the hooks registered
   * before useStack (a storage probe, a webhook receiver), so it can use what they made.
   */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Worker apps to start with the stack (`apps/<name>`), each with its additions to the environment. */
  workers?: Record<string, Record<string, string>>;
}

/** The stack of a suite, plus the workers started with it by app name. */
export type UsedStack = Stack & { readonly workers: Readonly<Record<string, Proc>> };

/**
 * The setup every black-box suite repeated: start the stack (and its workers) in beforeAll, stop
 * it in afterAll. Call it in a `describe`; the returned object stands for the stack once it runs
 * (`stack.url`, `stack.token('alice')`, `stack.workers.worker`), so tests read as before.
 */
export function useStack(options: StackOptions = {}): UsedStack {
  return useFixture(
    'useStack: the stack',
    async () => {
      const env = typeof options.env === 'function' ? options.env() : options.env;
      const stack = await startStack({ ...(options.provider ? { provider: options.provider } : {}), ...(env ? { env } : {}) });
      const workers: Record<string, Proc> = {};
      for (const [name, extra] of Object.entries(options.workers ?? {})) workers[name] = await stack.startWorker(name, extra);
      return { ...stack, workers };
    },
    (stack) => stack.stop(),
  );
}
