import { tusHeaders } from './http.js';

/** How often a request is tried before the upload gives up. */
const TRIES = 60;
const PAUSE_MS = 250;

/**
 * One small upload as a resilient tus client makes it while the service's dependencies fail
 * under it (test/faults/chaos.test.ts): POST, then PATCH from the server's offset (HEAD) until
 * the length is reached, each step retried after a 5xx, a 429, a 409 or a dropped connection.
 * A creation that failed is simply made again (the service discards what the client never
 * learnt of). Resolves with the ids of the upload whose last byte was acknowledged.
 */
export async function uploadWithRetries(
  base: string,
  token: string,
  body: Buffer,
  metadata: Record<string, string>,
): Promise<{ uploadId: string; fileId: string }> {
  const encoded = Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
  const created = await retry('POST', async () => {
    const res = await fetch(`${base}/uploads`, {
      method: 'POST',
      headers: tusHeaders(token, { 'Upload-Length': String(body.length), 'Upload-Metadata': encoded }),
    });
    if (res.status !== 201) return answer(res);
    return (await res.json()) as { upload_id: string; file_id: string; upload_url: string };
  });
  const url = new URL(created.upload_url, base).href;
  await retry('PATCH', async () => {
    const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
    if (head.status !== 200) return answer(head);
    const offset = Number(head.headers.get('upload-offset'));
    if (offset === body.length) return true;
    const res = await fetch(url, {
      method: 'PATCH',
      headers: tusHeaders(token, { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }),
      body: new Uint8Array(body.subarray(offset)),
    });
    return res.status === 204 && Number(res.headers.get('upload-offset')) === body.length ? true : answer(res);
  });
  return { uploadId: created.upload_id, fileId: created.file_id };
}

/** Retryable answers resolve undefined (try again); any other is a failure of the test's premise. */
async function answer(res: Response): Promise<undefined> {
  const text = await res.text();
  if (res.status >= 500 || res.status === 429 || res.status === 409 || res.status === 204) return undefined;
  throw new Error(`${res.url} answered ${res.status}: ${text.slice(0, 200)}`);
}

async function retry<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < TRIES; i += 1) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch (error) {
      // A dropped connection is retried; an unexpected answer is not.
      if (!(error instanceof TypeError)) throw error;
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  throw new Error(`${what} kept failing`, { cause: last });
}
