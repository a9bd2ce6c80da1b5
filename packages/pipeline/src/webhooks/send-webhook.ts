import { fileJson, type FileRecord } from '@airlock/core';
import type { OutboxEvent } from '@airlock/db';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './signature.js';

/** A receiver gets this long per attempt, connection and answer included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** Why an attempt failed, in words fit for a log line and `outbox_events.last_error` (never the URL: it may hold a credential). */
export class DeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The JSON body of an event: its stable id, its type, when it happened, and the file as `GET /files/:id` shows it now. */
export function webhookBody(event: OutboxEvent, file: FileRecord): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.createdAt.toISOString(), file: fileJson(file) });
}

/**
 * One attempt: POSTs the signed body (webhooks/signature.ts) and resolves with the status on a
 * 2xx; throws DeliveryError on anything else within ATTEMPT_TIMEOUT_MS (a 3xx too: redirects
 * are not followed), or when `signal` aborts (shutdown).
 */
export async function sendWebhook(target: { url: string; secret: string }, event: OutboxEvent, file: FileRecord, signal: AbortSignal): Promise<number> {
  const body = webhookBody(event, file);
  let status: number;
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Airlock-Webhooks/1',
        'Airlock-Event': event.type,
        [EVENT_ID_HEADER]: event.id,
        [SIGNATURE_HEADER]: signWebhook(target.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
    });
    status = response.status;
    // The answer's body is not read: release the connection.
    await response.body?.cancel().catch(() => {});
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS} ms` : String((error as Error).cause ?? (error as Error).message);
    throw new DeliveryError(reason);
  }
  if (status < 200 || status >= 300) throw new DeliveryError(`the receiver answered ${status}`);
  return status;
}
