import type { FileStatus } from '@airlock/core';
import type { JobsOptions } from 'bullmq';
import type { Producer, WebhookEvent } from '@airlock/queue';

/**
 * Each delivery is its own job: 8 attempts, exponential backoff from 5 s (the last retry
 * comes ~10 minutes after the first try). A delivery that still fails stays in the failed
 * set for 7 days, visible (and retryable) on /admin/queues and counted in /metrics.
 */
export const DELIVERY_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000, jitter: 0.2 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

const EVENTS: Partial<Record<FileStatus, WebhookEvent>> = {
  complete: 'file.complete',
  quarantined: 'file.quarantined',
  rejected: 'file.rejected',
  scan_failed: 'file.scan_failed',
  failed: 'file.failed',
};

export interface NotifyDeps {
  producer: Pick<Producer, 'enqueue'>;
  config: { webhook: { url: string | undefined } };
  logger: { warn(details: object, message: string): void };
}

/** The webhook event of a status; null for a status that is not reported (not terminal). */
export function eventOf(status: FileStatus): WebhookEvent | null {
  return EVENTS[status] ?? null;
}

/**
 * Call right after a transition to `status` applied (the conditional update returned true),
 * so each event is enqueued once. Without WEBHOOK_URL it does nothing. Never rejects: the
 * status change has happened and must not be undone or retried because Redis is away; the
 * lost event is logged instead.
 */
export async function notifyTerminal({ producer, config, logger }: NotifyDeps, fileId: string, status: FileStatus): Promise<void> {
  const event = eventOf(status);
  if (!config.webhook.url || !event) return;
  try {
    await producer.enqueue('webhook.deliver', { fileId, event }, DELIVERY_OPTIONS);
  } catch (error) {
    logger.warn({ err: (error as Error).message, fileId, event }, 'webhook event could not be queued; it is lost');
  }
}
