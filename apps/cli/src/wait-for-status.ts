import { setTimeout as delay } from 'node:timers/promises';
import { TERMINAL_STATUSES } from '@airlock/core';
import type { ApiClient } from './api-client.js';
import type { UploadJson } from './api-types.js';
import { CliError } from './errors.js';

/**
 * Polls `GET /uploads/:id` until the status is terminal (contract section 4), backing off from
 * 250 ms to 2 s; `onStatus` sees every answer (for the progress display).
 */
export async function waitForTerminal(
  client: ApiClient,
  uploadId: string,
  { timeoutMs, signal, onStatus }: { timeoutMs: number; signal?: AbortSignal | undefined; onStatus?: (upload: UploadJson) => void },
): Promise<UploadJson> {
  const deadline = Date.now() + timeoutMs;
  let interval = 250;
  for (;;) {
    const upload = await client.json<UploadJson>('GET', `/uploads/${uploadId}`);
    onStatus?.(upload);
    if (TERMINAL_STATUSES.includes(upload.status)) return upload;
    if (Date.now() + interval > deadline) {
      throw new CliError(`upload ${uploadId} is still ${upload.status} after ${Math.round(timeoutMs / 1000)} s`, {
        hint: 'the pipeline may be busy or a worker down; "airlock status <id>" later, or a longer --wait-timeout',
      });
    }
    await delay(interval, undefined, { signal });
    interval = Math.min(2_000, interval * 2);
  }
}
