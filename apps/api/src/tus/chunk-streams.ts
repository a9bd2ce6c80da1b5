import { Readable } from 'node:stream';

/**
 * Reads up to `bytes` from the front of `source` and returns them with a stream that yields
 * the same bytes again followed by the rest: the type check looks at the first bytes of an
 * upload without holding more than `bytes` in memory or losing any. The stream replays the
 * chunks it read as they are (issue #15: no copy of the body); only a sample that spans
 * several chunks is copied, into `head`.
 */
export async function peek(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(next.value);
    length += next.value.length;
  }
  const head = parts.length === 1 ? parts[0]!.subarray(0, bytes) : Buffer.concat(parts, Math.min(length, bytes));
  async function* replay() {
    yield* parts;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}
