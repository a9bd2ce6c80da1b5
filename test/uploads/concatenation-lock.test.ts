import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';
import { tusClient } from '../support/tus-raw.js';
import { waitFor } from '@airlock/testing';

/**
 * Issue #14 item 6: the concatenated final upload is written under its own upload lock. It is
 * listed in the files API as soon as its row exists, so its owner can DELETE it while its bytes
 * are still being written: the delete asks the writer to let go, the writing stops (the
 * creation answers 410), and nothing of the final upload stays behind — no bytes, no quota.
 */
const PART = 16 * 1024 * 1024;
const REPEATS = 8;

describe('a concatenated upload deleted while it is being assembled', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, UPLOAD_MIN_CHARGE_BYTES: '0' } });
  });
  afterAll(() => stack?.stop());

  it('stops the writing at once, answers 410, and leaves no bytes or reservation', async () => {
    const token = await stack.token('concat-deleter');
    const tus = tusClient(stack.url, token);
    const partial = await tus.open({ 'Upload-Length': String(PART), 'Upload-Concat': 'partial' });
    expect((await tus.patch(partial, 0, new Uint8Array(randomBytes(PART)))).status).toBe(204);
    const partialId = new URL(partial, stack.url).pathname.split('/').at(-1)!;

    // The same partial eight times (tus allows repeats): 128 MiB to write into the final upload.
    const creation = tus.create({ 'Upload-Concat': `final;${Array(REPEATS).fill(partial).join(' ')}` });
    const listed = await waitFor(
      async () =>
        ((await (await fetch(`${stack.url}/files?limit=10`, { headers: tusHeaders(token) })).json()) as { items: { id: string; status: string }[] }).items,
      (items) => items.length > 0,
      { intervalMs: 5, what: 'the final upload listed' },
    );
    const deleted = await fetch(`${stack.url}/files/${listed[0]!.id}`, { method: 'DELETE', headers: tusHeaders(token) });
    const created = await creation;
    expect(deleted.status).toBe(204);
    // Deleted while writing (the usual case here) or, on a fast disk, just after: never a 5xx.
    expect([410, 201]).toContain(created.status);
    expect((await fetch(`${stack.url}/files/${listed[0]!.id}`, { headers: tusHeaders(token) })).status).toBe(404);
    const quarantine = path.join(stack.dataDir, 'quarantine');
    const left = fs.readdirSync(quarantine).filter((name) => !name.startsWith(partialId));
    expect(left).toEqual([]);
    expect(await (await fetch(`${stack.url}/me`, { headers: tusHeaders(token) })).json()).toMatchObject({ used_bytes: 0, reserved_bytes: 0 });
  }, 60_000);
});
