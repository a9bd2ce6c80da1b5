import type { Database } from '@airlock/db';
import { ROLES, queueName, type Producer } from '@airlock/queue';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Logger } from 'pino';
import { scanDurationCollector } from './scan-duration.collector.js';

/**
 * The API's Prometheus metrics (contract section 7), one registry per app (no global
 * state: tests build as many as they like). Counters and the chunk histogram are this
 * process's own; the gauges and the scan histogram are read from the database and Redis at
 * scrape time, so every API replica reports the same service-wide values for them (take
 * `max`, not `sum`, across replicas).
 */
export interface ApiMetrics {
  registry: Registry;
  /** Bytes written into quarantine, counted when the store has them. */
  bytesReceived: Counter;
  /** `POST /uploads` answered 201. */
  uploadsCreated: Counter;
  /** Time to handle one `PATCH /uploads/:id`, by answer. */
  chunkDuration: Histogram<'code'>;
}

export interface MetricsDeps {
  db: Database;
  producer: Producer;
  /** The producer's connection: while it is down, BullMQ would wait for it rather than fail. */
  redis: Pick<Redis, 'status'>;
  logger: Logger;
}

/** A scrape must answer even when a dependency does not: each source gets this long. */
const SOURCE_TIMEOUT_MS = 2_000;

/** BullMQ job states worth watching: backlog (waiting, prioritized, delayed), work, failures. */
const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'paused'] as const;

export function createMetrics({ db, producer, redis, logger }: MetricsDeps): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const bytesReceived = new Counter({ name: 'airlock_bytes_received_total', help: 'Bytes of uploads written into quarantine by this process', registers });
  const uploadsCreated = new Counter({ name: 'airlock_uploads_created_total', help: 'Uploads created (POST /uploads answered 201) by this process', registers });
  const chunkDuration = new Histogram({
    name: 'airlock_chunk_duration_seconds',
    help: 'Time to handle one PATCH /uploads/:id (receive, check, write, record), by HTTP status',
    labelNames: ['code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });

  new Counter({
    name: 'airlock_db_statements_total',
    help: 'SQL statements this process sent to the database (BEGIN and COMMIT included; this scrape\'s own may or may not be in it)',
    registers,
    collect() {
      this.reset();
      this.inc(db.statementCount?.() ?? 0);
    },
  });
  new Gauge({
    name: 'airlock_files',
    help: 'Files (deleted ones included) by current status, from the database; terminal statuses only grow',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      this.reset();
      const counts = await fromSource('database', () => db.stats.countByStatus());
      for (const [status, count] of Object.entries(counts ?? {})) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'airlock_webhook_events',
    help: 'Webhook events in the outbox table by state (pending: waiting or retrying; given_up: every attempt failed; delivered), from the database',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      this.reset();
      const counts = await fromSource('database', () => db.outbox.countByState());
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'airlock_queue_jobs',
    help: 'BullMQ jobs by queue and state (waiting, prioritized and delayed are the backlog)',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      // Redis away (main.ts logs it already): the queue series are left out of this scrape.
      if (redis.status !== 'ready') return;
      await Promise.all(
        ROLES.map(async (role) => {
          const counts = await fromSource('redis', () => producer.queue(role).getJobCounts(...JOB_STATES));
          for (const state of JOB_STATES) if (counts) this.set({ queue: queueName(role), state }, counts[state] ?? 0);
        }),
      );
    },
  });
  // A hand-written collector: prom-client cannot set a histogram from counts computed elsewhere.
  registry.registerMetric(scanDurationCollector((boundsMs) => fromSource('database', () => db.stats.scanDurations(boundsMs))) as unknown as Metric);

  return { registry, bytesReceived, uploadsCreated, chunkDuration };

  /** A source that fails or hangs leaves its series out of this scrape instead of failing it. */
  async function fromSource<T>(source: string, read: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${SOURCE_TIMEOUT_MS} ms`)), SOURCE_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      logger.warn({ err: (error as Error).message, source }, 'metrics: source unavailable; its series are left out');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
