import { lifecycleMetrics, queueMetrics, type SourceFailure } from '@airlock/metrics';
import { jobsOfRole, type Producer, type Role } from '@airlock/queue';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Upper bounds of the stage histogram in seconds: a validation takes ms, a scan or promotion of a large file minutes. */
const STAGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Deliveries a job took; SCAN_MAX_ATTEMPTS and the stage budgets are small numbers. */
const ATTEMPT_BUCKETS = [1, 2, 3, 5, 10];

export interface WorkerMetrics {
  registry: Registry;
  /** Give to createDatabase: the lifecycle counters and the scan histogram, counted as this process changes files. */
  lifecycle: ReturnType<typeof lifecycleMetrics>;
  /** Times one run of a job; call the result with how it ended. */
  startJob(role: Role, job: string, attempt: number): (outcome: 'completed' | 'failed') => void;
  /** Adds the per-role series once the BullMQ workers exist: concurrency and the depth of this process's queues. */
  watchQueues(deps: {
    roles: { role: Role; concurrency: number }[];
    producer: Pick<Producer, 'queue'>;
    redis: { status: string };
    failed: SourceFailure;
  }): void;
}

/**
 * One worker process's metrics (docs/OPERATIONS.md has the table): prom-client's defaults,
 * the lifecycle counters of the changes this process makes, how long each stage's jobs take
 * and how many deliveries they needed, its concurrency per role, and its queues. Counters and
 * histograms are this process's own (sum across processes). One registry per process, built in boot.
 */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const stageDuration = new Histogram({
    name: 'airlock_stage_duration_seconds',
    help: 'Runs of pipeline and maintenance jobs in this process, by role, job and outcome (failed: the attempt threw; retried or not); _count counts them',
    labelNames: ['role', 'job', 'outcome'] as const,
    buckets: STAGE_BUCKETS,
    registers,
  });
  const stageAttempts = new Histogram({
    name: 'airlock_stage_attempts',
    help: 'Which delivery of its job each run was (1: the first), by role, job and outcome: retries show above 1',
    labelNames: ['role', 'job', 'outcome'] as const,
    buckets: ATTEMPT_BUCKETS,
    registers,
  });

  return {
    registry,
    lifecycle: lifecycleMetrics(registry),
    startJob(role, job, attempt) {
      const end = stageDuration.startTimer({ role, job });
      return (outcome) => {
        end({ outcome });
        stageAttempts.observe({ role, job, outcome }, attempt);
      };
    },
    watchQueues({ roles, producer, redis, failed }) {
      const concurrency = new Gauge({
        name: 'airlock_worker_concurrency',
        help: 'Jobs this process runs at once per role (WORKER_CONCURRENCY)',
        labelNames: ['role'] as const,
        registers,
      });
      for (const { role, concurrency: n } of roles) {
        concurrency.set({ role }, n);
        // Every series from the start at 0: rate() and alerts need the zero before the first run.
        for (const job of jobsOfRole(role)) {
          for (const outcome of ['completed', 'failed']) stageDuration.zero({ role, job, outcome });
        }
      }
      queueMetrics(registry, { roles: roles.map(({ role }) => role), producer, redis, failed });
    },
  };
}
