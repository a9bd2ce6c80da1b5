import http from 'node:http';
import v8 from 'node:v8';
import { loadConfigOrExit, prepareDataDir } from '@airlock/config';
import { createDatabase, migrate } from '@airlock/db';
import { createProducer, producerConnection } from '@airlock/queue';
import { ClamdClient } from '@airlock/scanner';
import { createStorage } from '@airlock/storage';
import { pino } from 'pino';
import { createApp } from './app.js';
import { loadOrCreateSecret } from './auth/secrets.js';
import { createTokenVerifier } from './auth/tokens.js';
import { cachedTokenVerifier } from './auth/token-cache.js';
import { createSignedUrls } from './downloads/signed-url.js';
import { createMetrics } from './metrics/metrics.js';
import { warnIfTestSignatures } from './routes/health.routes.js';
import { RedisLocker } from './tus/redis-locker.js';
import { ChecksumSpool } from './tus/checksum-spool.js';

/** SIGTERM: stop accepting, let in-flight requests (PATCHes) end, exit within this. */
const SHUTDOWN_DEADLINE_MS = 30_000;

// The IETF resumable-upload draft's interim status (apps/api/src/ietf): Node has no reason phrase
// for it and would write `104 unknown` (clients ignore the phrase; a log or a trace reads it).
http.STATUS_CODES[104] ??= 'Upload Resumption Supported';

// Before the first upload: socket buffers count against V8's global heap limit instead of
// forcing a full mark-compact every ~64 MiB of body (docs/OPERATIONS.md, "Garbage collection
// while bytes stream"; issue #15). V8 reads the flag at each collection decision.
v8.setFlagsFromString('--external-memory-accounted-in-global-limit');
const startedAt = performance.now();
const config = loadConfigOrExit();
const logger = pino(
  {
    name: 'airlock-api',
    level: config.logLevel,
    // The admin dashboard's cookie is the admin's token: never in a response log line.
    redact: { paths: ['req.headers.authorization', 'res.headers["set-cookie"]', '*.token', '*.secret'], censor: '[redacted]' },
  },
  // Asynchronous: a request no longer waits for its log line to be written (two lines per
  // request; issue #15). Lines written meanwhile go out together. pino flushes what is
  // buffered synchronously when the process exits — a normal stop, process.exit (the shutdown
  // deadline) and an uncaught exception alike; only a SIGKILL can lose the last lines.
  pino.destination({ dest: 1, sync: false }),
);

prepareDataDir(config.dataDir);
const applied = await migrate(config.databaseUrl);
if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
const redis = producerConnection(config.redisUrl);
redis.on('error', (error) => logger.warn({ err: error.message }, 'redis unavailable'));
const producer = createProducer(redis);
const metrics = createMetrics({ producer, redis, logger });
const db = createDatabase(config.databaseUrl, metrics.lifecycle);
metrics.watchDatabase(db);
// Verified tokens are remembered for a minute (auth/token-cache.ts): an upload's requests share one.
const tokens = cachedTokenVerifier(createTokenVerifier(config));

const scanner = new ClamdClient(config.clamd);
const storage = await createStorage(config.storage);
const signedUrls = createSignedUrls(config.signedUrl.secret ?? loadOrCreateSecret(config.dataDir, 'signed-url-secret').value);
const locker = new RedisLocker({
  redis,
  ttlMs: config.uploadLockTtlSeconds * 1000,
  onError: (error) => logger.warn({ err: (error as Error).message }, 'upload lock'),
  onWait: (seconds, outcome) => metrics.lockWait.observe({ outcome }, seconds),
});
const spool = new ChecksumSpool(config.checksumSpool);
const leftovers = await spool.init();
if (leftovers.length > 0) logger.info({ removed: leftovers }, 'checksum spool: removed what stopped processes left behind');
const app = await createApp({ config, db, redis, producer, tokens, scanner, storage, signedUrls, locker, logger, metrics, spool });
const server = http.createServer(app);
// `Expect: 100-continue` is answered by the app once it has decided to read the body
// (http/expect-continue.middleware.ts), not by Node before anything is checked.
server.on('checkContinue', (req, res) => app(req, res));
// Node's 300 s requestTimeout would cut a long PATCH of a large chunk on a slow link;
// the socket's idle timeout cuts a stalled one instead.
server.requestTimeout = 0;
server.headersTimeout = 60_000;
server.setTimeout(config.idleTimeoutSeconds * 1000);

server.listen(config.port, config.host, async () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url, startupMs: Math.round(performance.now() - startedAt), database: config.databaseProvider }, 'api listening');
  void warnIfTestSignatures(scanner, logger, config.allowTestSignatures);
  if (tokens.devSecret && !config.production) {
    // Development only: the HS256 secret was generated into DATA_DIR, so a token is printed
    // for the newcomer at a terminal. Never into a pipe (log collectors keep what they read);
    // with AUTH_JWT_SECRET or AUTH_JWKS_URL set, nothing is printed.
    if (process.stdout.isTTY) {
      const token = await tokens.sign('dev', { expiresIn: '30d' });
      process.stdout.write(`\nAirlock API on ${url}\nDev token (user "dev", 30 days; mint more with: pnpm run token <user>):\n${token}\n\n`);
    } else {
      process.stdout.write(`\nAirlock API on ${url}\nDev token: not printed (output is not a terminal); mint one with: pnpm run token dev\n\n`);
    }
  }
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping api');
  setTimeout(() => {
    logger.error('shutdown deadline passed; exiting');
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  // close() stops accepting and resolves once in-flight requests have ended; idle
  // keep-alive sockets are closed now so they do not hold the process open.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await locker.close().catch(() => {});
  await producer.close().catch(() => {});
  redis.disconnect();
  await db.close();
  logger.info('api stopped');
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
