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
