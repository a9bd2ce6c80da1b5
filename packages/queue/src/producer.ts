import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, ROLES, queueName, type JobName, type JobPayload, type Role } from './jobs.js';

/** Defaults for every job: retried with backoff, and removed when done so a job id can be reused. */
/**
 * BullMQ job states worth watching, the `state` label of `airlock_queue_jobs` (API and workers):
 * backlog (waiting, prioritized, delayed), work, failures. BullMQ 6 has no `paused` state.
 */
export const WATCHED_JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: true,
};

export interface Producer {
  /**
   * Validates the payload and adds the job under its deterministic id, so a job that is
   * already waiting or running is not added twice. Rejects when Redis is unreachable.
   */
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options?: JobsOptions): Promise<void>;
  queue(role: Role): Queue;
  close(): Promise<void>;
}

export function createProducer(connection: Redis): Producer {
  const queues = new Map<Role, Queue>(ROLES.map((role) => [role, new Queue(queueName(role), { connection, defaultJobOptions: DEFAULT_JOB_OPTIONS })]));
  const queueOf = (role: Role): Queue => queues.get(role)!;
  return {
    async enqueue(name, payload, options) {
      const job = JOBS[name];
      const data = job.payload.parse(payload);
      await queueOf(job.role).add(name, data, { ...options, jobId: job.jobId(data as never) });
    },
    queue: queueOf,
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
