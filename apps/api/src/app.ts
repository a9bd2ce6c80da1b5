import type { Config } from '@airlock/config';
import type { Database } from '@airlock/db';
import type { Producer } from '@airlock/queue';
import type { Scanner } from '@airlock/scanner';
import type { StorageDriver } from '@airlock/storage';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { queuesDashboard } from './admin/queues-dashboard.js';
import type { TokenVerifier } from './auth/tokens.js';
import type { Locker } from '@tus/utils';
import type { SignedUrls } from './downloads/signed-url.js';
import { requireAuth } from './http/auth.middleware.js';
import { compose } from './http/compose.js';
import { connectionHygiene } from './http/connection-hygiene.middleware.js';
import { cors } from './http/cors.middleware.js';
import { methodOverride } from './http/method-override.middleware.js';
import { expectContinue } from './http/expect-continue.middleware.js';
import { tusResumable } from './http/tus-resumable.middleware.js';
import { errorHandler, notFound } from './http/errors.js';
import { rateLimit } from './http/rate-limit.middleware.js';
import { requestLog } from './http/request-log.middleware.js';
import { httpMetrics } from './metrics/http-metrics.middleware.js';
import type { ApiMetrics } from './metrics/metrics.js';
import { downloadsRoutes } from './routes/downloads.routes.js';
import { filesRoutes } from './routes/files.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { opsRoutes } from './routes/ops.routes.js';
import { webRoutes } from './routes/web.routes.js';
import { createTus } from './tus/tus-server.js';
import { tusRoutes } from './tus/tus.routes.js';
import { ietfDraft } from './ietf/ietf-draft.middleware.js';
import type { ChecksumSpool } from './tus/checksum-spool.js';

export interface AppDeps {
  config: Config;
  db: Database;
  redis: Redis;
  producer: Producer;
  tokens: TokenVerifier;
  scanner: Scanner;
  storage: StorageDriver;
  signedUrls: SignedUrls;
  /** Serialises writes to one upload across every API process. */
  locker: Locker;
  logger: Logger;
  /** The Prometheus registry and this process's own counters (GET /metrics). */
  metrics: ApiMetrics;
  /** Checksummed chunks are verified here before they are appended (DATA_DIR/spool). */
  spool: ChecksumSpool;
  /** The built web dashboard served at `/`; apps/web/dist unless given. */
  webRoot?: string;
}

/** The HTTP application, without listening: main.ts (and tests) own the server. */
export async function createApp(deps: AppDeps): Promise<Express> {
  const { config, tokens, logger } = deps;

  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY (off by default): which peers may tell us the client's address and scheme
  // (req.ip for per-address limits, req.secure for the admin cookie's Secure flag).
  app.set('trust proxy', config.trustProxy);
  const onLimiterError = (error: unknown) => logger.warn({ err: (error as Error).message }, 'rate limiter unavailable; letting requests through');
  // Requests without a valid token count against their client address (req.ip: the peer, or
  // what TRUST_PROXY'd proxies say), so guessing tokens or hammering signed URLs is bounded too.
  const anonymous = rateLimit({
    redis: deps.redis,
    limitPerMinute: config.anonymousRateLimitPerMinute,
    keyOf: (req) => `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`,
    prefix: 'airlock:rate-anon:',
    onError: onLimiterError,
  });
  const verify = requireAuth(tokens);
  // Every authenticated request counts against its user's rate, whichever process serves it.
  const authenticate = [
    (req: Request, res: Response, next: NextFunction) =>
      verify(req, res, (refused?: unknown) => (refused ? anonymous(req, res, (limited?: unknown) => next(limited ?? refused)) : next())),
    rateLimit({
      redis: deps.redis,
      limitPerMinute: config.rateLimitPerMinute,
      keyOf: (req) => req.caller?.userId,
      onError: onLimiterError,
    }),
  ];
  // What every request goes through, as one layer of Express's router (compose.ts), in order:
  app.use(
    compose(
      requestLog(logger),
      connectionHygiene,
      cors(config.corsOrigins),
      methodOverride,
      expectContinue,
      // Resumable Uploads for HTTP (the IETF draft) beside tus, before tus's version check.
      ietfDraft(deps),
      tusResumable,
      // After the override: a POST overridden to PATCH is timed as the PATCH it is.
      httpMetrics(deps.metrics),
    ),
  );
  // The tus endpoint first: it takes nearly every request, and no other router's paths overlap
  // /uploads, so the others are not walked for each chunk (issue #15).
  app.use(tusRoutes({ ...deps, tus: await createTus(deps), authenticate }));
  app.use(healthRoutes(deps));
  app.use(opsRoutes(deps));
  app.use(queuesDashboard(deps));
  app.use(filesRoutes({ ...deps, authenticate }));
  app.use('/downloads', anonymous);
  app.use(downloadsRoutes(deps));
  // The web dashboard (apps/web/dist) last: GET/HEAD of static files only, never an API path.
  app.use(webRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
