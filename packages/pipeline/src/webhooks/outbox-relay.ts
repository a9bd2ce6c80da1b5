import type { Database, OutboxEvent } from '@airlock/db';
import type { Logger } from '../logger.js';
import { DeliveryError, sendWebhook } from './send-webhook.js';

export interface RelayOptions {
  /** How often the outbox is read for due events. */
  pollMs: number;
  /** Events claimed (and sent concurrently) per pass. */
  batchSize: number;
  /** A claim holds an event this long; past it (the notifier died mid-attempt) the event is due again. */
  leaseMs: number;
  /** Attempts per event; after the last failed one the event is given up (logged, kept in the table). */
  maxAttempts: number;
  /** Delay before the second attempt; each next one doubles (±20 % jitter). */
  backoffMs: number;
  /** Delivered rows older than this are deleted (the rest of the table is the audit of terminal changes). */
  keepDeliveredMs: number;
}

/**
 * 8 attempts, from 5 s doubling (the last ~10 minutes after the first), 10 s each; one
 * indexed query a second while idle. The lease outlasts an attempt (10 s) by far.
 */
export const RELAY_DEFAULTS: RelayOptions = {
  pollMs: 1_000,
  batchSize: 16,
  leaseMs: 60_000,
  maxAttempts: 8,
  backoffMs: 5_000,
  keepDeliveredMs: 7 * 24 * 3600 * 1000,
};

const PURGE_EVERY_MS = 3600 * 1000;

export interface RelayDeps {
  db: Pick<Database, 'outbox' | 'files'>;
  webhook: { url: string | undefined; secret: string | undefined };
  logger: Logger;
}

/** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
export function backoffDelay(attempts: number, baseMs: number, random = Math.random): number {
  return Math.round(baseMs * 2 ** Math.max(0, attempts - 1) * (0.8 + 0.4 * random()));
}

/**
 * The notifier: delivers terminal events from the outbox table (written by the database layer
 * in the transaction of each status change), at least once, with a stable event id. It runs on
 * a plain timer, not a BullMQ job, on purpose: it needs only the database, so Redis being down
 * delays nothing and loses nothing.
 *
 * Without WEBHOOK_URL every event is settled without sending (`delivered_at` set,
 * `last_error` says why), so turning webhooks on later does not replay the past.
 */
export function startOutboxRelay(deps: RelayDeps, options: RelayOptions = RELAY_DEFAULTS): { stop(): Promise<void> } {
  const { logger } = deps;
  const shutdown = new AbortController();
  let running: Promise<void> | undefined;
  let lastPurge = 0;

  const pass = async () => {
    const now = new Date();
    if (now.getTime() - lastPurge >= PURGE_EVERY_MS) {
      lastPurge = now.getTime();
      const purged = await deps.db.outbox.purgeDelivered(new Date(now.getTime() - options.keepDeliveredMs), 1000);
      if (purged > 0) logger.info({ purged }, 'webhook outbox: old delivered events purged');
    }
    // Claim batch after batch until nothing is due: a backlog drains at full speed.
    for (;;) {
      if (shutdown.signal.aborted) return;
      const events = await deps.db.outbox.claimDue(new Date(), options.batchSize, options.leaseMs);
      if (events.length === 0) return;
      await Promise.all(events.map((event) => deliver(deps, event, options, shutdown.signal)));
      if (events.length < options.batchSize) return;
    }
  };

  const tick = () => {
    if (running) return;
    running = pass()
      .catch((error: Error) => logger.warn({ err: error.message }, 'webhook outbox: pass failed; retrying on the next tick'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.pollMs);
  tick();
  return {
    async stop() {
      clearInterval(timer);
      shutdown.abort();
      await running;
    },
  };
}

/** One attempt for a claimed event, and its bookkeeping. Never throws for a failed attempt. */
async function deliver({ db, webhook, logger }: RelayDeps, event: OutboxEvent, options: RelayOptions, signal: AbortSignal): Promise<void> {
  const log = logger.child({ eventId: event.id, fileId: event.fileId, event: event.type, attempt: event.attempts });
  if (!webhook.url || !webhook.secret) {
    // loadConfig refuses WEBHOOK_URL without WEBHOOK_SECRET: nothing is ever sent unsigned.
    await db.outbox.markDelivered(event.id, new Date(), 'not sent: WEBHOOK_URL is not set');
    return;
  }
  const file = await db.files.find(event.fileId);
  if (!file) {
    await db.outbox.markDelivered(event.id, new Date(), 'not sent: the file is gone');
    return;
  }
  const started = performance.now();
  try {
    const status = await sendWebhook({ url: webhook.url, secret: webhook.secret }, event, file, signal);
    await db.outbox.markDelivered(event.id, new Date());
    log.info({ status, ms: Math.round(performance.now() - started) }, 'webhook delivered');
  } catch (error) {
    const reason = error instanceof DeliveryError ? error.message : String(error);
    if (signal.aborted) {
      // Shutting down: not the receiver's fault; due again at once for whichever notifier is up.
      await db.outbox.reschedule(event.id, new Date(), `interrupted by shutdown: ${reason}`);
      return;
    }
    if (event.attempts >= options.maxAttempts) {
      await db.outbox.reschedule(event.id, null, `gave up after ${event.attempts} attempts: ${reason}`);
      log.error({ err: reason }, 'webhook given up: every attempt failed (the event stays in outbox_events)');
      return;
    }
    const next = new Date(Date.now() + backoffDelay(event.attempts, options.backoffMs));
    await db.outbox.reschedule(event.id, next, reason);
    log.warn({ err: reason, next: next.toISOString() }, 'webhook attempt failed; retrying later');
  }
}
