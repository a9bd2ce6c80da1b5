import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { peek } from './chunk-streams.js';

async function drain(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}

const bytes = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 255));

describe('peek', () => {
  it('samples the first bytes and replays every byte, in order, when they span several chunks', async () => {
    const parts = [bytes(3, 1), bytes(5, 2), bytes(7, 3), bytes(4, 4)];
    const { head, stream } = await peek(Readable.from(parts), 10);
    expect(head).toEqual(Buffer.concat(parts).subarray(0, 10));
    const replayed = await drain(stream);
    expect(Buffer.concat(replayed)).toEqual(Buffer.concat(parts));
    // The chunks themselves, not a copy of them (issue #15).
    parts.forEach((part, index) => expect(replayed[index]).toBe(part));
  });

  it('replays a first chunk that holds the whole sample as it is, without a copy', async () => {
    const first = bytes(64 * 1024, 5);
    const rest = bytes(1000, 6);
    const { head, stream } = await peek(Readable.from([first, rest]), 4100);
    expect(head).toEqual(first.subarray(0, 4100));
    const replayed = await drain(stream);
    expect(replayed[0]).toBe(first);
    expect(Buffer.concat(replayed)).toEqual(Buffer.concat([first, rest]));
  });

  it('replays a body shorter than the sample, and an empty one', async () => {
    const short = await peek(Readable.from([bytes(2, 7), bytes(3, 8)]), 4100);
    expect(short.head).toEqual(Buffer.concat([bytes(2, 7), bytes(3, 8)]));
    expect(Buffer.concat(await drain(short.stream))).toEqual(short.head);
    const empty = await peek(Readable.from([]), 4100);
    expect(empty.head.length).toBe(0);
    expect(await drain(empty.stream)).toEqual([]);
  });
});
