import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

/**
 * Issue #15: the API logs asynchronously (a request does not wait for its line to be
 * written). What is buffered must still come out when the process stops.
 */
describe('asynchronous logging', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => stack?.stop());

  it('writes every request line and the goodbye when the API stops right after a burst', async () => {
    const marker = `flush-${Date.now()}`;
    // Refused requests (401) are logged like any other, one line each.
    await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${stack.url}/uploads/${marker}-${i}`)));
    expect(await stack.api.stop()).toBe(0);
    const lines = () =>
      stack.api
        .output()
        .split('\n')
        .filter((line) => line.includes(marker));
    await waitFor(
      async () => lines().length,
      (count) => count >= 200,
      { what: 'every request line', timeoutMs: 5_000 },
    );
    expect(lines()).toHaveLength(200);
    await waitFor(
      async () => stack.api.output(),
      (out) => out.includes('"api stopped"'),
      { what: 'the goodbye line', timeoutMs: 5_000 },
    );
  });
});
