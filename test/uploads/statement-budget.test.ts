import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '@airlock/testing';
import { uploadBytes } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

/**
 * Issue #15: the SQL statements one small upload costs the API (POST, then one PATCH with
 * every byte, which finishes it), BEGIN and COMMIT included, counted by the process itself
 * (`airlock_db_statements_total`). The budget is what the upload path needs today: a change
 * that adds a statement to it fails here and must say why it is worth it.
 */
const BUDGET: Record<(typeof PROVIDERS)[number], number> = { sqlite: 11, postgresql: 11 };

describe.each(PROVIDERS)('SQL statements per small upload on %s', (provider) => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ provider, env: { ALLOWED_TYPES: OCTETS } });
    token = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  const statements = async () => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    const line = /^airlock_db_statements_total (\d+)$/m.exec(text);
    if (!line) throw new Error('no airlock_db_statements_total in /metrics');
    return Number(line[1]);
  };

  it(`stays within ${BUDGET[provider]} for POST + PATCH`, async () => {
    const bytes = new Uint8Array(64 * 1024).fill(7);
    await uploadBytes(stack.url, token, bytes); // the user's row exists from now on, as for every later upload
    // A scrape runs queries of its own (the status and outbox gauges): measured, then taken off.
    const a = await statements();
    const b = await statements();
    const scrape = b - a;
    const perUpload: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const before = await statements();
      await uploadBytes(stack.url, token, bytes, { filename: `u${round}.bin` });
      perUpload.push((await statements()) - before - scrape);
    }
    console.log(`${provider}: ${perUpload.join(', ')} statements per small upload (a scrape: ${scrape})`);
    expect(new Set(perUpload).size, 'the same count every time').toBe(1);
    expect(perUpload[0]).toBeLessThanOrEqual(BUDGET[provider]);
  });
});
