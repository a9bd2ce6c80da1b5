import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import type { FileReader, FileSource } from 'tus-js-client';

/**
 * One bandwidth budget shared by every file of a run (`--limit-rate`): each chunk of bytes
 * books the next free slot on a timeline advancing at `bytesPerSecond`, and waits for it.
 */
export class RateLimiter {
  private nextFreeAt = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds to wait before sending `bytes` more. */
  reserve(bytes: number): number {
    const now = this.now();
    const start = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = start + (bytes * 1000) / this.bytesPerSecond;
    return Math.max(0, start - now);
  }
}

class ThrottleTransform extends Transform {
  constructor(private readonly limiter: RateLimiter) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wait = this.limiter.reserve(chunk.length);
    if (wait === 0) callback(null, chunk);
    else setTimeout(() => callback(null, chunk), wait);
  }
}

/**
 * Wraps tus-js-client's file reader: each slice it reads from disk flows through the shared
 * limiter. The request body keeps the slice's `size` (tus sends it as Content-Length).
 */
export function throttledFileReader(inner: FileReader, limiter: RateLimiter): FileReader {
  return {
    async openFile(input: unknown, chunkSize: number): Promise<FileSource> {
      const source = await inner.openFile(input, chunkSize);
      return {
        size: source.size,
        close: () => source.close(),
        async slice(start: number, end: number) {
          const { value, done } = await source.slice(start, end);
          if (!isReadable(value)) return { value, done };
          const throttled = pipeline(value, new ThrottleTransform(limiter), () => {}) as Readable & { size?: number };
          throttled.size = (value as { size?: number }).size;
          return { value: throttled, done };
        },
      };
    },
  };
}

function isReadable(value: unknown): value is Readable {
  return typeof (value as Readable | null)?.pipe === 'function';
}
