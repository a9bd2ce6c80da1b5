import { queueName, WATCHED_JOB_STATES as JOB_STATES, type Producer, type Role } from '@airlock/queue';
import type { Worker } from 'bullmq';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** A scrape must answer even when Redis does not. */
const SOURCE_TIMEOUT_MS = 2_000;

export interface WorkerMetricsDeps {
  roles: { role: Role; worker: Worker }[];
  producer: Producer;
  /** The producer's connection: while it is not ready the queue series are left out. */
  redis: { status: string };
}

/**
 * One worker process's metrics: prom-client's defaults, jobs this process finished by role and
 * outcome, its concurrency per role, and the depth of its own queues (one bounded
 * `getJobCounts` per role at scrape time). One registry per process, built in boot.
 */
export function createWorkerMetrics({ roles, producer, redis }: WorkerMetricsDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const jobs = new Counter({
    name: 'airlock_worker_jobs_total',
    help: 'Jobs this worker process finished, by role and outcome (completed, failed: failed attempts, retried or not)',
    labelNames: ['role', 'outcome'] as const,
    registers,
  });
  const concurrency = new Gauge({ name: 'airlock_worker_concurrency', help: 'Jobs this process runs at once per role (WORKER_CONCURRENCY)', labelNames: ['role'] as const, registers });
  for (const { role, worker } of roles) {
    concurrency.set({ role }, worker.concurrency);
    jobs.inc({ role, outcome: 'completed' }, 0);
    jobs.inc({ role, outcome: 'failed' }, 0);
    worker.on('completed', () => jobs.inc({ role, outcome: 'completed' }));
    worker.on('failed', () => jobs.inc({ role, outcome: 'failed' }));
  }
  new Gauge({
    name: 'airlock_queue_jobs',
    help: 'BullMQ jobs of this process\'s queues by state (waiting, prioritized and delayed are the backlog)',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      if (redis.status !== 'ready') return;
      await Promise.all(
        roles.map(async ({ role }) => {
          const counts = await withTimeout(producer.queue(role).getJobCounts(...JOB_STATES)).catch(() => undefined);
          for (const state of JOB_STATES) if (counts) this.set({ queue: queueName(role), state }, counts[state] ?? 0);
        }),
      );
    },
  });
  return registry;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), SOURCE_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}
