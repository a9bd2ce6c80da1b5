import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { compose } from './compose.js';

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

/** One request to `app`: its status and JSON body (null when it has none). */
async function request(app: Express, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** An app with `chain` composed into one layer, a route after it and an error handler that reports. */
function appWith(...chain: Parameters<typeof compose>) {
  const app = express();
  app.use(compose(...chain));
  app.get('/', (req, res) => void res.json({ seen: res.locals.seen ?? [], method: req.method }));
  app.use(
    (error: Error, _req: Request, res: Response, _next: NextFunction) => void res.status(500).json({ error: error.message, seen: res.locals.seen ?? [] }),
  );
  return app;
}

const mark = (name: string) => (_req: Request, res: Response, next: NextFunction) => {
  res.locals.seen = [...(res.locals.seen ?? []), name];
  next();
};

describe('compose', () => {
  it('runs every middleware in order, then the routes after the layer', async () => {
    const res = await request(appWith(mark('a'), mark('b'), mark('c')));
    expect(res.body).toEqual({ seen: ['a', 'b', 'c'], method: 'GET' });
  });

  it('lets a middleware change what routing sees after it (a method override)', async () => {
    const override = (req: Request, _res: Response, next: NextFunction) => {
      req.method = 'GET';
      next();
    };
    const res = await request(appWith(override, mark('a')), 'POST');
    expect(res.body).toEqual({ seen: ['a'], method: 'GET' });
  });

  it('stops at an answer, at next(error), at a throw and at a rejected promise, and the error handlers get the error', async () => {
    const answer = (_req: Request, res: Response) => void res.status(204).end();
    expect((await request(appWith(mark('a'), answer, mark('b')))).status).toBe(204);

    const refuse = (_req: Request, _res: Response, next: NextFunction) => next(new Error('refused'));
    expect((await request(appWith(mark('a'), refuse, mark('b')))).body).toEqual({ error: 'refused', seen: ['a'] });

    const thrower = () => {
      throw new Error('thrown');
    };
    expect((await request(appWith(mark('a'), thrower, mark('b')))).body).toEqual({ error: 'thrown', seen: ['a'] });

    const rejecter = async () => {
      await Promise.resolve();
      throw new Error('rejected');
    };
    expect((await request(appWith(rejecter, mark('b')))).body).toEqual({ error: 'rejected', seen: [] });

    // A falsy reason is still an error, as in Express: the chain does not go on.
    const falsy = () => Promise.reject(0);
    expect((await request(appWith(falsy, mark('b')))).body).toEqual({ error: 'Rejected promise', seen: [] });
  });

  it('goes on after an async middleware that calls next', async () => {
    const later = async (_req: Request, res: Response, next: NextFunction) => {
      await new Promise((resolve) => setImmediate(resolve));
      res.locals.seen = ['later'];
      next();
    };
    expect((await request(appWith(later, mark('b')))).body).toEqual({ seen: ['later', 'b'], method: 'GET' });
  });
});
