import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middlewares run in order as one Express layer, with Express 5's rules: `next(error)` (any
 * truthy value), a throw or a rejected promise (whatever its value) skips the rest and goes to
 * the error handlers; `next()` goes on to the next one, and after the last, out of the layer.
 * `next('route')` and `next('router')` leave the whole layer (none of the middlewares composed in
 * app.ts use them).
 * For the chain every request walks (app.ts): each layer of Express's router costs a path match
 * and a few objects per request, and a small upload walks this chain twice (issue #15).
 */
export function compose(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error) return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.then(undefined, (rejected: unknown) => step(rejected || new Error('Rejected promise')));
      } catch (thrown) {
        step(thrown || new Error('thrown without a value'));
      }
    };
    step();
  };
}
