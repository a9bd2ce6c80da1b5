import { queueName, WATCHED_JOB_STATES as JOB_STATES, type Producer, type Role } from '@airlock/queue';
import { Gauge, type Registry } from 'prom-client';
import { fromSource, type SourceFailure } from './source.js';

export interface QueueMetricsDeps {
  /** The queues to report: the API reports every role's, a worker process its own. */
  roles: readonly Role[];
  producer: Pick<Producer, 'queue'>;
  /** The producer's connection: while it is not ready (BullMQ would wait for it) the queue series are left out. */
  redis: { status: string };
  failed: SourceFailure;
}

/**
 * `airlock_queue_jobs{queue,state}` and `airlock_queue_oldest_job_age_seconds{queue}`, read
 * from Redis at scrape time: per queue one `getJobCounts` (counters Redis keeps) and the one
 * oldest waiting job, whatever the backlog. The same in every process that reports a queue,
 * so take `max`, not `sum`, across processes.
 */
export function queueMetrics(registry: Registry, { roles, producer, redis, failed }: QueueMetricsDeps): void {
  const registers = [registry];
  new Gauge({
    name: 'airlock_queue_jobs',
    help: 'BullMQ jobs by queue and state (waiting, prioritized and delayed are the backlog)',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      if (redis.status !== 'ready') return;
      await Promise.all(
        roles.map(async (role) => {
          const counts = await fromSource('redis', () => producer.queue(role).getJobCounts(...JOB_STATES), failed);
          for (const state of JOB_STATES) if (counts) this.set({ queue: queueName(role), state }, counts[state] ?? 0);
        }),
      );
    },
  });
  new Gauge({
    name: 'airlock_queue_oldest_job_age_seconds',
    help: 'How long the oldest waiting job of each queue has been due (0: none waiting)',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      this.reset();
      if (redis.status !== 'ready') return;
      const now = Date.now();
      await Promise.all(
        roles.map(async (role) => {
          // Oldest first: one job read, however long the list.
          const jobs = await fromSource('redis', () => producer.queue(role).getWaiting(0, 0), failed);
          if (!jobs) return;
          const oldest = jobs[0];
          const dueAt = oldest ? oldest.timestamp + (oldest.delay ?? 0) : now;
          this.set({ queue: queueName(role) }, Math.max(0, now - dueAt) / 1000);
        }),
      );
    },
  });
}
