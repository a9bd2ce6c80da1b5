import { fileJson } from '@airlock/core';
import { UnrecoverableError } from 'bullmq';
import type { JobHandler, WorkerDeps } from '../handlers.js';
import { SIGNATURE_HEADER, signWebhook } from '../webhooks/signature.js';

/** A receiver gets this long per attempt, connection and answer included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * webhook.deliver: POSTs `{"type", "file"}` to WEBHOOK_URL, signed (see webhooks/signature.ts).
 * The body is built now, from the database, so a payload in Redis never holds more than ids.
 * Anything but a 2xx within the timeout is a failed attempt, retried with backoff by BullMQ;
 * redirects are not followed (a 3xx fails too). Delivery is at-least-once: receivers
 * de-duplicate on `Airlock-Event-Id` (one file has at most one event of each type).
 */
export function deliverWebhook({ config, db }: WorkerDeps): JobHandler<'webhook.deliver'> {
  return async ({ fileId, event }, { logger, signal, attempt }) => {
    const { url, secret } = config.webhook;
    if (!url) {
      logger.warn({ fileId, event }, 'webhook: WEBHOOK_URL is not set in this worker; event dropped');
      return;
    }
    // Never send unsigned events: the job fails at once and stays retryable on the dashboard.
    if (!secret) throw new UnrecoverableError('webhook: WEBHOOK_SECRET is not set; refusing to send an unsigned event');
    const file = await db.files.find(fileId);
    if (!file) {
      logger.warn({ fileId, event }, 'webhook: the file is gone; event dropped');
      return;
    }
    const body = JSON.stringify({ type: event, file: fileJson(file) });
    const started = performance.now();
    let status: number;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Airlock-Webhooks/1',
          'Airlock-Event': event,
          'Airlock-Event-Id': `${fileId}.${event}`,
          [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
      });
      status = response.status;
      // The answer's body is not read: release the connection.
      await response.body?.cancel().catch(() => {});
    } catch (error) {
      // The URL is not logged: it may carry a credential.
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS} ms` : String((error as Error).cause ?? (error as Error).message);
      throw new Error(`webhook ${event} for ${fileId}, attempt ${attempt}: ${reason}`);
    }
    const ms = Math.round(performance.now() - started);
    if (status < 200 || status >= 300) throw new Error(`webhook ${event} for ${fileId}, attempt ${attempt}: the receiver answered ${status}`);
    logger.info({ fileId, event, status, attempt, ms }, 'webhook delivered');
  };
}
