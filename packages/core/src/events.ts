import type { FileStatus } from './status.js';

/** What a webhook tells (contract section 7): a file reached `complete` or another terminal status. */
export const WEBHOOK_EVENTS = ['file.complete', 'file.quarantined', 'file.rejected', 'file.scan_failed', 'file.failed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const EVENTS: Partial<Record<FileStatus, WebhookEvent>> = {
  complete: 'file.complete',
  quarantined: 'file.quarantined',
  rejected: 'file.rejected',
  scan_failed: 'file.scan_failed',
  failed: 'file.failed',
};

/** The event of a status; null for a status that is not reported (not terminal). */
export function eventOf(status: FileStatus): WebhookEvent | null {
  return EVENTS[status] ?? null;
}

/**
 * The stable id of a file's event, what receivers de-duplicate on (`Airlock-Event-Id`, and
 * `id` in the body). A terminal status has no way out (see TRANSITIONS), so a file has at
 * most one event of each type and `<file id>.<type>` names it for ever.
 */
export function eventId(fileId: string, event: WebhookEvent): string {
  return `${fileId}.${event}`;
}
