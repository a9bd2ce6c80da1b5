import { finished, type Readable } from 'node:stream';

/**
 * The request body as the web stream @tus/server reads (`request.body`), without a copy.
 *
 * srvx's NodeRequest makes it with `Readable.toWeb(req)`, and Node's adapter copies every chunk
 * into a new Uint8Array "to detach it from the pool": a consumer of a web stream may transfer a
 * chunk's ArrayBuffer, which would take a pooled Buffer's neighbours with it. Here nothing does:
 * @tus/server turns the stream straight back into a Node stream (`Readable.fromWeb`) for the store.
 * The copy doubled the memory each chunk allocates (and so the garbage waiting for a collection
 * during a stream), and cost a memcpy of every byte (issue #15).
 *
 * Otherwise the same adapter: chunks as the request emits them (`data`, never a concatenation of
 * several), paused as soon as the web stream holds one, so backpressure reaches the socket; the
 * request's error errors the stream; a cancel destroys the request.
 */
export function requestBody(req: Readable): ReadableStream<Uint8Array> {
  let ended = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.pause();
        const onData = (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        };
        req.on('data', onData);
        finished(req, { writable: false }, (error) => {
          req.off('data', onData);
          // An error emitted after this (a destroy with a reason) must not go unheard: it would end the process.
          req.on('error', () => {});
          if (ended) return;
          ended = true;
          if (error) controller.error(error);
          else controller.close();
        });
      },
      // Asked for a chunk (high-water mark 0: only when the reader waits for one).
      pull() {
        req.resume();
      },
      cancel(reason) {
        ended = true;
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/** `request.body` of srvx's NodeRequest for `req`, made by requestBody on first access. */
export function withRequestBody<T extends object>(request: T, req: Readable): T {
  let body: ReadableStream<Uint8Array> | undefined;
  Object.defineProperty(request, 'body', { configurable: true, enumerable: true, get: () => (body ??= requestBody(req)) });
  return request;
}
