import fs from 'node:fs';
import * as tus from 'tus-js-client';

/**
 * The one client every server gets: tus-js-client 4.3.1 from Node (its Node HTTP stack, the
 * global keep-alive agent), POST then PATCHes of `chunkBytes`, no retries (a failure fails
 * the bench instead of hiding in a retry).
 */
export interface Endpoint {
  /** Base URL; the tus endpoint is `<url>/uploads`. */
  url: string;
  headers: Record<string, string>;
}

const METADATA = { filename: 'bench.bin', filetype: 'application/octet-stream' };

function run(endpoint: Endpoint, source: tus.Upload['file'], options: Partial<tus.UploadOptions>): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(source, {
      endpoint: `${endpoint.url}/uploads`,
      headers: endpoint.headers,
      metadata: METADATA,
      retryDelays: [],
      storeFingerprintForResuming: false,
      ...options,
      onSuccess: () => resolve(upload.url!),
      onError: (error) => reject(error),
    });
    upload.start();
  });
}

/**
 * Uploads `length` bytes of `file` from `start`, streamed from disk: tus-js-client's file
 * source opens a read stream per chunk, so nothing is held in memory. Resolves with the
 * upload URL once the last PATCH is answered.
 */
export function uploadRange(endpoint: Endpoint, file: string, start: number, length: number, chunkBytes: number): Promise<string> {
  const source = fs.createReadStream(file, { start, end: start + length - 1 });
  return run(endpoint, source, { chunkSize: chunkBytes });
}

/** A small upload from memory: POST, then one PATCH with the whole body. */
export function uploadBuffer(endpoint: Endpoint, bytes: Buffer): Promise<string> {
  return run(endpoint, bytes, {});
}

/** `count` small uploads of `bodies` in turn, `concurrency` at a time; `uploaded` gets each URL. */
export function uploadBodies(
  endpoint: Endpoint,
  bodies: Buffer[],
  count: number,
  concurrency: number,
  uploaded: (url: string) => void = () => {},
): Promise<void> {
  return pool(count, concurrency, async (index) => uploaded(await uploadBuffer(endpoint, bodies[index % bodies.length]!)));
}

/** Runs `task(0…count-1)` with at most `concurrency` at a time. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Nearest-rank percentile of ascending `sorted` values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
