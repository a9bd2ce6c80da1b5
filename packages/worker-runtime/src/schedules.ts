import type { Config } from '@airlock/config';
import { queueName, type Producer } from '@airlock/queue';
import type { Logger } from './logger.js';

/**
 * The janitor's periodic jobs, as BullMQ job schedulers (one schedule however many
 * janitors run). Redis keeps no data here and may be flushed, taking the schedule with it,
 * so every janitor upserts it again on a timer of its own (an idempotent call).
 */
export function startSchedules(config: Config, producer: Producer, logger: Logger): { stop(): Promise<void> } {
  const everyMs = Math.min(60_000, Math.max(1_000, (config.reconcileAfterSeconds * 1000) / 2));
  const queue = producer.queue('janitor');
  const upsert = () =>
    queue
      .upsertJobScheduler('reconcile', { every: everyMs }, { name: 'maintenance.reconcile', data: {} })
      .catch((error: Error) => logger.warn({ err: error.message, queue: queueName('janitor') }, 'could not schedule the reconciler'))
      .then(() => queue.upsertJobScheduler('gc', { every: config.gcIntervalSeconds * 1000 }, { name: 'maintenance.gc', data: {} }))
      .catch((error: Error) => logger.warn({ err: error.message, queue: queueName('janitor') }, 'could not schedule garbage collection'));
  // The upsert under way, awaited by stop(): BullMQ opens a connection of its own for a job
  // scheduler, and quitting the producer's Redis under it made that connection emit an
  // unhandled error (a Ctrl-C right after start crashed the worker).
  let running = upsert();
  const timer = setInterval(() => {
    running = running.then(upsert);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
