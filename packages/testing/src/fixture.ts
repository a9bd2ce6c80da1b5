import { afterAll, beforeAll } from 'vitest';

/**
 * A resource of a suite: made in beforeAll, released in afterAll (vitest runs afterAll hooks in
 * reverse, so what is used later is released first). The returned object stands for the
 * resource once it exists, so it can be declared in the describe body and read in tests as if
 * it were the resource itself. Read before beforeAll ran, it throws (naming `what`).
 */
export function useFixture<T extends object>(what: string, make: () => T | Promise<T>, release: (resource: T) => unknown): T {
  let resource: T | undefined;
  beforeAll(async () => {
    resource = await make();
  });
  afterAll(async () => {
    if (resource) await release(resource);
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!resource) throw new Error(`${what} is not there yet (read .${String(key)} inside a test or a hook, not in the describe body)`);
      const value: unknown = Reflect.get(resource, key);
      // Methods run on the resource itself (private fields, `this`), not on the stand-in.
      return typeof value === 'function' ? value.bind(resource) : value;
    },
  });
}
