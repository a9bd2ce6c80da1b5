import { loadConfigOrExit, prepareDataDir } from '@airlock/config';
import { createDatabase, migrate } from '@airlock/db';
import { ROLES, createProducer, isRole, jobsOfRole, producerConnection, queueName, workerConnection, type Role } from '@airlock/queue';
import { type CheckSpec } from '@airlock/core';
import { ClamdClient, clamdReadiness, cleanRefusal } from '@airlock/scanner';
import { createStorage } from '@airlock/storage';
import { Worker } from 'bullmq';
import { cachedEngineVersion, type JobHandlers, type WorkerDeps } from '@airlock/pipeline';
import { RELAY_DEFAULTS, startOutboxRelay } from '@airlock/pipeline/webhooks';
import { startHealthServer } from './health/health-server.js';
import { createWorkerMetrics } from './health/worker-metrics.js';
import { createLogger } from './logger.js';
import { createDispatch } from './registry.js';
import { startSchedules } from './schedules.js';

/** Workers get this long after SIGTERM to finish or hand back their jobs. */
const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * Composition root shared by every worker app: `roles` is the app's own stage, or
 * 'all' for `pnpm start:worker` (narrowed by WORKER_QUEUES). `createHandlers` is the job table
 * of @airlock/pipeline, handed in by the app: the runtime runs jobs, the pipeline says what they do.
 */
export async function runWorkers(roles: Role[] | 'all', name: string, createHandlers: (deps: WorkerDeps) => JobHandlers): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, name);
  const selected = selectRoles(roles, config.workerQueues);
  checkConcurrencyRoles(config.workerConcurrency.roles);

  prepareDataDir(config.dataDir);
  await migrate(config.databaseUrl);
  const metrics = createWorkerMetrics();
  const db = createDatabase(config.databaseUrl, metrics.lifecycle);
  const producerRedis = producerConnection(config.redisUrl);
  producerRedis.on('error', (error) => logger.warn({ err: error.message }, 'redis unavailable'));
  const producer = createProducer(producerRedis);
  const scanner = new ClamdClient(config.clamd);
  const storage = await createStorage(config.storage);
  const handlers = createHandlers({
    config,
    db,
    producer,
    storage,
    scanner,
    engineVersion: cachedEngineVersion(scanner),
    redis: producerRedis,
    logger,
  });
  const shutdown = new AbortController();

  // A role without jobs (the notifier) consumes no queue.
  const workers = selected
    .filter((role) => jobsOfRole(role).length > 0)
    .map((role) => {
      const dispatch = createDispatch(role, handlers);
      const connection = workerConnection(config.redisUrl);
      // Without a listener ioredis prints every reconnect failure as an unhandled error event.
      connection.on('error', (error) => logger.debug({ role, err: error.message }, 'redis connection error'));
      const worker = new Worker(
        queueName(role),
        async (job) => {
          const jobLogger = logger.child({ role, job: job.name, jobId: job.id });
          const attempt = job.attemptsMade + 1;
          const ended = metrics.startJob(role, job.name, attempt);
          try {
            await dispatch(job.name, job.data, { logger: jobLogger, attempt, signal: shutdown.signal });
            ended('completed');
          } catch (error) {
            ended('failed');
            throw error;
          }
        },
        // A worker killed mid-job stops renewing its lock; after lockDuration the job is
        // stalled and handed to another worker (at-least-once delivery).
        // autorun off: no job is taken before the health server listens (a taken port stops the start).
        {
          connection,
          autorun: false,
          concurrency: concurrencyOf(role, config.workerConcurrency),
          lockDuration: config.jobLockSeconds * 1000,
          stalledInterval: config.jobLockSeconds * 1000,
        },
      );
      worker.on('failed', (job, error) => logger.warn({ role, job: job?.name, jobId: job?.id, err: error.message }, 'job failed'));
      worker.on('error', (error) => logger.error({ role, err: error.message }, 'worker error'));
      return { role, worker, connection };
    });
  const health = await startWorkerHealth();
  for (const { role, worker } of workers) {
    worker.run().catch((error: unknown) => logger.error({ role, err: (error as Error).message }, 'worker stopped running'));
  }
  const schedules = selected.includes('janitor') ? startSchedules(config, producer, logger) : undefined;
  // Webhooks come from the database's outbox, on a timer: they need no Redis.
  const relay = selected.includes('notifier')
    ? startOutboxRelay(
        { db, webhook: config.webhook, logger: logger.child({ role: 'notifier' }) },
        { ...RELAY_DEFAULTS, leaseMs: config.webhook.leaseSeconds * 1000 },
      )
    : undefined;
  logger.info({ roles: selected }, 'workers started');
  if (selected.includes('scanner')) {
    // Said once at start (each refused file says it again): with test signatures only and
    // ALLOW_TEST_SIGNATURES off (production), every file that scans clean ends scan_failed.
    void scanner.version().then(
      (version) => {
        const refusal = cleanRefusal(version, config.allowTestSignatures);
        if (refusal) logger.error({ clamd: version.engine, database: null }, `!!! ${refusal}`);
      },
      () => {},
    );
  }

  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping workers');
    // Whatever happens below, the process is gone by the deadline; the timer must not
    // itself keep the event loop alive once everything closed cleanly.
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    health?.close();
    shutdown.abort();
    // Running deliveries are cut short and put back as due (see outbox-relay.ts).
    await Promise.all([relay?.stop(), schedules?.stop()]);
    // close() stops taking jobs and waits for the running ones (an aborted scan hands its
    // job back); BullMQ never closes the connections it was handed, so they are quit here.
    await Promise.all(workers.map(({ worker }) => worker.close()));
    await Promise.all(workers.map(({ connection }) => connection.quit()));
    // BullMQ closes a queue whose connection is still initialising (it sends INFO once Redis is
    // ready) without waiting, and drops its listeners: the INFO failing once Redis is quit below
    // was an unhandled 'error' (a Ctrl-C right after start). Let the init end first; briefly,
    // for a Redis that is away never becomes ready and then nothing will be sent at all.
    await settledWithin(Promise.all(ROLES.map((role) => producer.queue(role).waitUntilReady())), 2_000);
    await producer.close();
    await producerRedis.quit().catch(() => producerRedis.disconnect());
    await db.close();
    logger.info('workers stopped');
  };
  /**
   * /healthz, /readyz and /metrics on WORKER_HEALTH_PORT (0: none). Readiness is this
   * process's own dependencies: the database and Redis always, storage for the stages that
   * touch bytes, clamd (with its signature policy) where the scanner runs.
   */
  async function startWorkerHealth() {
    if (config.workerHealthPort === 0) return undefined;
    const checks: Record<string, CheckSpec> = {
      db: { setting: 'DATABASE_URL', probe: () => db.ping().then(() => ({})) },
      redis: {
        setting: 'REDIS_URL',
        probe: async () => {
          if ((await producerRedis.ping()) !== 'PONG') throw new Error('unexpected PING answer');
          return {};
        },
      },
    };
    if (selected.some((role) => role !== 'notifier')) {
      checks.storage = {
        setting: config.storage.backend === 's3' ? 'S3_ENDPOINT, S3_BUCKET, S3_QUARANTINE_BUCKET and the S3 credentials' : 'DATA_DIR',
        probe: async () => {
          await Promise.all([storage.checkAccess('quarantine'), storage.checkAccess('final')]);
          return { backend: storage.backend };
        },
      };
    }
    if (selected.includes('scanner')) {
      checks.clamd = { setting: 'CLAMD_HOST, CLAMD_PORT or CLAMD_SOCKET', probe: () => clamdReadiness(scanner, config.allowTestSignatures) };
    }
    metrics.watchQueues({
      roles: workers.map(({ role, worker }) => ({ role, concurrency: worker.concurrency })),
      producer,
      redis: producerRedis,
      failed: (source, error) => logger.warn({ err: error.message, source }, 'metrics: source unavailable; its series are left out'),
    });
    try {
      const server = await startHealthServer({ port: config.workerHealthPort, host: config.host, roles: selected, checks, metrics: metrics.registry, logger });
      logger.info({ port: config.workerHealthPort }, 'health server listening (/healthz, /readyz, /metrics)');
      return server;
    } catch (error) {
      console.error(
        `Invalid configuration: WORKER_HEALTH_PORT: cannot listen on ${config.workerHealthPort} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose another port, or 0 for none`,
      );
      process.exit(1);
    }
  }

  // Ctrl-C in `npm start` reaches this process twice: the terminal sends SIGINT to the whole
  // process group and scripts/run-all.mjs passes a SIGTERM on. A second stop() quit the Redis
  // connections the first was still closing, and ioredis threw an unhandled "Connection is
  // closed". So: one stop however many signals come (`on`, not `once`: a later signal must not
  // fall back to Node's default and kill the process mid-close; the deadline ends it anyway).
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'already stopping');
      return;
    }
    stopping = stop(signal).catch((error: unknown) => {
      logger.error({ err: (error as Error).message }, 'workers did not stop cleanly');
      process.exitCode = 1;
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Waits for `promise` to settle, or `ms`, whichever comes first; never rejects. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export function selectRoles(roles: Role[] | 'all', narrow: string[] | undefined): Role[] {
  if (roles !== 'all') return roles;
  if (!narrow) return [...ROLES];
  const unknown = narrow.filter((role) => !isRole(role));
  if (unknown.length > 0) {
    console.error(`Invalid configuration: WORKER_QUEUES: unknown role(s) ${unknown.join(', ')}; expected ${ROLES.join(', ')}`);
    process.exit(1);
  }
  return narrow as Role[];
}

/** WORKER_CONCURRENCY for one role: its own `role=n`, else the number for every role. */
export function concurrencyOf(role: Role, concurrency: { default: number; roles: Record<string, number> }): number {
  return concurrency.roles[role] ?? concurrency.default;
}

function checkConcurrencyRoles(perRole: Record<string, number>): void {
  const unknown = Object.keys(perRole).filter((role) => !isRole(role));
  if (unknown.length === 0) return;
  console.error(`Invalid configuration: WORKER_CONCURRENCY: unknown role(s) ${unknown.join(', ')}; expected ${ROLES.join(', ')}`);
  process.exit(1);
}
