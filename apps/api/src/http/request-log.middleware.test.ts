import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestLog } from './request-log.middleware.js';

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

/** An app behind requestLog whose lines land in `lines`; `level` is the logger's. */
async function serve(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let ended = 0;
  const app = express();
  app.use(requestLog(logger));
  // After requestLog's own 'close' listener: once this counts a response, its line is written.
  app.use((_req, res, next) => {
    res.once('close', () => (ended += 1));
    next();
  });
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/healthz', (_req, res) => void res.send('ok'));
  app.get('/boom', (_req, res) => void res.status(503).send('down'));
  app.get('/hang', (req) => void req.socket.destroy());
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Resolves once `responses` responses have ended on the server, so their lines (if any) are written. */
  const settle = (responses = 1) => vi.waitFor(() => expect(ended).toBe(responses));
  return { lines, base, settle };
}

describe('requestLog', () => {
  it('logs one line per request, once it ended: id, method, path without the query, status and time; the id goes back as X-Request-Id', async () => {
    const { lines, base, settle } = await serve();
    const res = await fetch(`${base}/ok?signature=s3cr3t&expires=1`);
    await settle();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'request completed', req: { id, method: 'GET', path: '/ok' }, res: { statusCode: 200 } });
    expect(lines[0]!.responseTime).toEqual(expect.any(Number));
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
  });

  it('logs a 5xx answer at error level as "request errored"', async () => {
    const { lines, base, settle } = await serve();
    await fetch(`${base}/boom`);
    await settle();
    expect(lines).toMatchObject([{ level: 50, msg: 'request errored', req: { path: '/boom' }, res: { statusCode: 503 } }]);
  });

  it('logs a response the client did not wait for as "request aborted"', async () => {
    const { lines, base, settle } = await serve();
    await expect(fetch(`${base}/hang`)).rejects.toThrow();
    await settle();
    expect(lines).toMatchObject([{ level: 30, msg: 'request aborted', req: { path: '/hang' } }]);
  });

  it('gives probes a request id but never logs them', async () => {
    const { lines, base, settle } = await serve();
    const res = await fetch(`${base}/healthz`);
    await settle();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toEqual([]);
  });

  it('writes nothing below its level (LOG_LEVEL=warn): successes are not logged, 5xx still are', async () => {
    const { lines, base, settle } = await serve('warn');
    await fetch(`${base}/ok`);
    await fetch(`${base}/boom`);
    await settle(2);
    expect(lines).toMatchObject([{ msg: 'request errored', res: { statusCode: 503 } }]);
  });
});
