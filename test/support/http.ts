/** Small fetch helpers for raw-protocol tests. */
export function tusHeaders(token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { 'Tus-Resumable': '1.0.0', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

export async function createUpload(base: string, token: string, length: number, extra: Record<string, string> = {}) {
  const res = await fetch(`${base}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Length': String(length), ...extra }) });
  return { res, body: res.status === 201 ? ((await res.json()) as Record<string, unknown>) : await res.text() };
}

export function patch(url: string, token: string, offset: number, body: Uint8Array<ArrayBuffer>, extra: Record<string, string> = {}) {
  return fetch(url, {
    method: 'PATCH',
    headers: tusHeaders(token, { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', ...extra }),
    body,
  });
}

export async function status(base: string, token: string, uploadId: string) {
  const res = await fetch(`${base}/uploads/${uploadId}`, { headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()) as Record<string, unknown>;
}

/** POST + one PATCH with the whole body: a small upload, start to finish. */
export async function uploadBytes(base: string, token: string, bytes: Uint8Array<ArrayBuffer>, metadata: Record<string, string> = {}) {
  const encoded = Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
  const { res, body } = await createUpload(base, token, bytes.length, encoded ? { 'Upload-Metadata': encoded } : {});
  if (res.status !== 201) throw new Error(`POST /uploads answered ${res.status}: ${String(body)}`);
  const created = body as { upload_id: string; file_id: string; upload_url: string };
  // Relative without PUBLIC_URL: resolved as a tus client does.
  const done = await patch(new URL(created.upload_url, base).href, token, 0, bytes);
  if (done.status !== 204) throw new Error(`PATCH answered ${done.status}: ${await done.text()}`);
  return created;
}

/** Polls `GET /uploads/:id` until the status is one of `statuses`. */
export async function waitForStatus(base: string, token: string, uploadId: string, statuses: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = await status(base, token, uploadId);
    if (statuses.includes(last.status as string)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`upload ${uploadId} did not reach ${statuses.join('/')} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}
