import http from 'node:http';

export interface SlowRequest {
  /** Writes more of the body now. */
  write(bytes: Uint8Array): void;
  /** Ends the body. */
  end(): void;
  /** The response, or the error when the connection was cut. */
  response: Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | { error: Error }>;
  destroy(): void;
}

/**
 * A request whose body the test writes piece by piece (a slow or stalled client). With no
 * `Content-Length` in `headers`, the body is sent chunked.
 */
export function slowRequest(base: string, method: string, path: string, headers: Record<string, string>): SlowRequest {
  const { hostname, port } = new URL(base);
  const req = http.request({ host: hostname, port, method, path, headers });
  const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | { error: Error }>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
  });
  req.flushHeaders();
  return {
    write: (bytes) => void req.write(bytes),
    end: () => req.end(),
    response,
    destroy: () => req.destroy(),
  };
}

/** Writes one byte every `intervalMs` until stopped; returns how many it wrote. */
export function trickle(request: SlowRequest, intervalMs: number): { stop(): number } {
  let sent = 0;
  const timer = setInterval(() => {
    request.write(Buffer.from('a'));
    sent += 1;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return sent;
    },
  };
}
