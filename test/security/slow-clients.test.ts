import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, tusHeaders } from '../support/http.js';
import { slowRequest, trickle } from '../support/slow-body.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const text = (length: number) => new Uint8Array(Buffer.alloc(length, 'b'));

/**
 * Issue #12, item 6. The idle timeout (60 s here) cuts a client that sends nothing; these cut
 * one that sends a byte a second to hold an upload's lock, and one account that opens many
 * uploads at once.
 */
describe('slow and greedy clients', () => {
  let stack: Stack;
  let alice: string;
  beforeAll(async () => {
    stack = await startStack({
      env: { ALLOWED_TYPES: OCTETS, MIN_UPLOAD_RATE_BYTES_PER_SECOND: '100', MIN_UPLOAD_RATE_WINDOW_SECONDS: '2', MAX_CONCURRENT_PATCHES_PER_USER: '2' },
    });
    alice = await stack.token('alice');
  });
  afterAll(() => stack?.stop());

  const newUpload = async (token: string, length: number) => {
    const { body } = await createUpload(stack.url, token, length);
    return body as { upload_id: string; upload_url: string };
  };
  const offsetOf = async (url: string, token: string) =>
    Number((await fetch(url, { method: 'HEAD', headers: tusHeaders(token) })).headers.get('upload-offset'));

  it('cuts a PATCH that sends one byte a second, keeps what arrived, and frees the upload for the next PATCH', async () => {
    const up = await newUpload(alice, 1000);
    expect((await patch(up.upload_url, alice, 0, text(10))).status).toBe(204);
    const started = Date.now();
    const slow = slowRequest(
      stack.url,
      'PATCH',
      new URL(up.upload_url).pathname,
      tusHeaders(alice, {
        'Upload-Offset': '10',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': '990',
      }),
    );
    slow.write(text(5));
    const dribble = trickle(slow, 1000);
    const outcome = await slow.response;
    const sent = 5 + dribble.stop();
    // Cut by the floor (100 B/s over 2 s), long before the 60 s idle timeout.
    expect('error' in outcome).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    // What arrived is kept (the offset never claims more than was sent) and the lock is free:
    // the client resumes at once from the offset HEAD reports.
    const offset = await offsetOf(up.upload_url, alice);
    expect(offset).toBeGreaterThanOrEqual(15);
    expect(offset).toBeLessThanOrEqual(10 + sent);
    const resumed = await patch(up.upload_url, alice, offset, text(1000 - offset));
    expect(resumed.status).toBe(204);
    expect(resumed.headers.get('upload-offset')).toBe('1000');
  });

  it('never cuts a client that keeps above the floor', async () => {
    const up = await newUpload(alice, 1500);
    const steady = slowRequest(
      stack.url,
      'PATCH',
      new URL(up.upload_url).pathname,
      tusHeaders(alice, {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': '1500',
      }),
    );
    // 300 B/s for 5 s: three times the floor, across two windows.
    for (let i = 0; i < 5; i += 1) {
      steady.write(text(300));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    steady.end();
    const outcome = await steady.response;
    expect(outcome).toMatchObject({ status: 204, headers: { 'upload-offset': '1500' } });
  });

  it('answers 429 to a third concurrent PATCH of one user, and not to another user', async () => {
    const uploads = await Promise.all([newUpload(alice, 100), newUpload(alice, 100), newUpload(alice, 100)]);
    const holders = uploads.slice(0, 2).map((up) => {
      const request = slowRequest(
        stack.url,
        'PATCH',
        new URL(up.upload_url).pathname,
        tusHeaders(alice, {
          'Upload-Offset': '0',
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': '100',
        }),
      );
      request.write(text(1));
      return request;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const third = await patch(uploads[2]!.upload_url, alice, 0, text(100));
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      expect(((await third.json()) as { error: { message: string } }).error.message).toContain('MAX_CONCURRENT_PATCHES_PER_USER');
      const bob = await stack.token('bob');
      const bobs = await newUpload(bob, 100);
      expect((await patch(bobs.upload_url, bob, 0, text(100))).status).toBe(204);
    } finally {
      for (const holder of holders) {
        holder.write(text(99));
        holder.end();
      }
    }
    for (const holder of holders) expect(await holder.response).toMatchObject({ status: 204 });
    // The slots are free again.
    expect((await patch(uploads[2]!.upload_url, alice, 0, text(100))).status).toBe(204);
  });
});
