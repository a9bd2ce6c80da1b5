import { IN_FLIGHT_STATUSES, OUTBOX_STATES, type Database } from '@airlock/db';
import { fromSource, lifecycleMetrics, queueMetrics, type SourceFailure } from '@airlock/metrics';
import { ROLES, type Producer } from '@airlock/queue';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { scanTotalsCollector, terminalTotalsCollector } from './totals.collectors.js';

/**
 * The API's Prometheus metrics (contract section 7; docs/OPERATIONS.md has the table), one
 * registry per app (no global state: tests build as many as they like).
 *
 * Counters and histograms kept in memory count this process's own events: sum them across
 * replicas. The series read at scrape time (terminal and scan totals, queues, files in flight,
 * outbox backlog) are service-wide and the same in every replica: take `max`. Every scrape-time read is bounded (by the work in
 * flight, never by history), and a source that fails or hangs leaves its series out.
 */
export interface ApiMetrics {
  registry: Registry;
  /** Bytes written into quarantine, counted when the store has them. */
  bytesReceived: Counter;
  /** `POST /uploads` answered 201. */
  uploadsCreated: Counter;
  /** Every request by method, route pattern and status. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Time to get an upload's lock (RedisLocker), by outcome. */
  lockWait: Histogram<'outcome'>;
  /** Give to createDatabase: this process's lifecycle counters (finished, terminated, expired, rejected). */
  lifecycle: ReturnType<typeof lifecycleMetrics>;
  /** Adds the database's scrape-time series (terminal and scan totals, files in flight, outbox backlog, statements sent). */
  watchDatabase(db: Pick<Database, 'stats' | 'outbox' | 'statementCount'>): void;
}

export interface MetricsDeps {
  producer: Producer;
  /** The producer's connection: while it is down, BullMQ would wait for it rather than fail. */
  redis: Pick<Redis, 'status'>;
  logger: Logger;
}

export function createMetrics({ producer, redis, logger }: MetricsDeps): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const failed: SourceFailure = (source, error) => logger.warn({ err: error.message, source }, 'metrics: source unavailable; its series are left out');

  const bytesReceived = new Counter({ name: 'airlock_bytes_received_total', help: 'Bytes of uploads written into quarantine by this process', registers });
  const uploadsCreated = new Counter({
    name: 'airlock_uploads_created_total',
    help: 'Uploads created (POST /uploads answered 201) by this process',
    registers,
  });
  const httpDuration = new Histogram({
    name: 'airlock_http_request_duration_seconds',
    help: 'HTTP requests handled by this process, by method, route pattern and status (aborted: the client went away first); _count counts them',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const lockWait = new Histogram({
    name: 'airlock_lock_wait_seconds',
    help: 'Time a request of this process waited for an upload lock, by outcome (acquired, timeout, aborted, error)',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  for (const outcome of ['acquired', 'timeout']) lockWait.zero({ outcome });
  const lifecycle = lifecycleMetrics(registry);
  queueMetrics(registry, { roles: ROLES, producer, redis, failed });

  function watchDatabase(db: Pick<Database, 'stats' | 'outbox' | 'statementCount'>): void {
    new Counter({
      name: 'airlock_db_statements_total',
      help: "SQL statements this process sent to the database (BEGIN and COMMIT included; this scrape's own may or may not be in it)",
      registers,
      collect() {
        this.reset();
        this.inc(db.statementCount?.() ?? 0);
      },
    });
    registry.registerMetric(terminalTotalsCollector(() => fromSource('database', () => db.stats.terminalTotals(), failed)));
    registry.registerMetric(scanTotalsCollector(() => fromSource('database', () => db.stats.scanTotals(), failed)));
    new Gauge({
      name: 'airlock_files_in_flight',
      help: 'Files in each non-terminal status, from the database (terminal statuses: airlock_files_terminal_total)',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        this.reset();
        const counts = await fromSource('database', () => db.stats.countInFlight(), failed);
        if (counts) for (const status of IN_FLIGHT_STATUSES) this.set({ status }, counts[status]);
      },
    });
    const backlog = () => fromSource('database', () => db.outbox.backlog(), failed);
    new Gauge({
      name: 'airlock_webhook_events',
      help: 'Undelivered webhook events in the outbox by state (pending: waiting or retrying; given_up: every attempt failed), from the database',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        this.reset();
        const counts = await backlog();
        if (counts) for (const state of OUTBOX_STATES) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'airlock_webhook_oldest_pending_age_seconds',
      help: 'Age of the oldest webhook event still waiting for delivery (0: none)',
      registers,
      async collect() {
        this.reset();
        const counts = await backlog();
        if (counts) this.set(counts.oldestPendingAt ? Math.max(0, Date.now() - counts.oldestPendingAt.getTime()) / 1000 : 0);
      },
    });
  }

  return { registry, bytesReceived, uploadsCreated, httpDuration, lockWait, lifecycle, watchDatabase };
}
