import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { requestBody, withRequestBody } from './request-body.js';

const bytes = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 255));

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return chunks;
}

describe('requestBody', () => {
  it("hands on the request's own chunks, in order, without copying them", async () => {
    const parts = [bytes(64 * 1024, 1), bytes(10, 2), bytes(64 * 1024, 3)];
    const request = new PassThrough();
    const read = readAll(requestBody(request));
    for (const part of parts) request.write(part);
    request.end();
    const chunks = await read;
    expect(chunks).toHaveLength(3);
    parts.forEach((part, index) => expect(chunks[index]).toBe(part));
    // Node's own adapter copies each chunk (what this replaces): the same check fails there.
    const source = new PassThrough();
    const copied = readAll(Readable.toWeb(source) as ReadableStream<Uint8Array>);
    for (const part of parts) source.write(part);
    source.end();
    const theirs = await copied;
    expect(Buffer.concat(theirs)).toEqual(Buffer.concat(parts));
    expect(theirs[0]).not.toBe(parts[0]);
  });

  it('reads from the request only when asked: the socket keeps its backpressure', async () => {
    const source = new PassThrough();
    const body = requestBody(source);
    for (let i = 0; i < 4; i++) source.write(bytes(1024, i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.readableLength).toBe(4 * 1024); // nothing taken before a read
    const reader = body.getReader();
    // One chunk as it was written (not the four joined), and the rest left in the request.
    expect(((await reader.read()).value as Buffer).length).toBe(1024);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.readableLength).toBe(3 * 1024);
    source.end();
    reader.releaseLock();
    expect((await readAll(body)).length).toBe(3);
  });

  it("errors with the request's error, and a cancel destroys the request", async () => {
    const failing = new PassThrough();
    const reader = requestBody(failing).getReader();
    const read = reader.read();
    failing.destroy(new Error('the client went away'));
    await expect(read).rejects.toThrow('the client went away');

    const abandoned = new PassThrough();
    abandoned.write(bytes(10, 1));
    const body = requestBody(abandoned);
    await body.getReader().cancel();
    expect(abandoned.destroyed).toBe(true);
  });

  it('makes the body on first access, and the same one after', () => {
    const source = new PassThrough();
    const request = withRequestBody({ method: 'PATCH' }, source) as { body?: ReadableStream };
    expect(source.listenerCount('data')).toBe(0); // nothing attached to the request until then
    expect(request.body).toBeInstanceOf(ReadableStream);
    expect(request.body).toBe(request.body);
    expect(source.listenerCount('data')).toBe(1);
  });
});
