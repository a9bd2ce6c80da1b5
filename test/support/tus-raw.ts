import { expect } from 'vitest';

/**
 * Raw tus 1.0 requests for the conformance suite (test/conformance): plain fetch, every header
 * written out, nothing forgiven. `headers` replace the defaults, so a test can drop
 * `Tus-Resumable` by passing it as undefined.
 */
export type Headers = Record<string, string | undefined>;

export const OFFSET_OCTETS = 'application/offset+octet-stream';

export function tusClient(base: string, token: string) {
  return clientOf(async () => ({ base, token }));
}

/**
 * The client of `user` on a suite's stack (useStack): the URL and a token are taken at each
 * request, so it can be made in the describe body, before the stack runs.
 */
export function userClient(stack: { url: string; token(user: string): Promise<string> }, user: string) {
  return clientOf(async () => ({ base: stack.url, token: await stack.token(user) }));
}

function clientOf(target: () => Promise<{ base: string; token: string }>) {
  const send = async (method: string, url: string, headers: Headers = {}, body?: Uint8Array<ArrayBuffer> | string) => {
    const { base, token } = await target();
    const all: Record<string, string> = {};
    for (const [name, value] of Object.entries({ 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}`, ...headers })) {
      if (value !== undefined) all[name] = value;
    }
    return fetch(new URL(url, base), { method, headers: all, ...(body !== undefined ? { body } : {}) });
  };
  const client = {
    send,
    options: (url = '/uploads', headers: Headers = {}) => send('OPTIONS', url, { Authorization: undefined, 'Tus-Resumable': undefined, ...headers }),
    create: (headers: Headers, body?: Uint8Array<ArrayBuffer> | string) =>
      send('POST', '/uploads', body === undefined ? headers : { 'Content-Type': OFFSET_OCTETS, ...headers }, body),
    head: (url: string, headers: Headers = {}) => send('HEAD', url, headers),
    patch: (url: string, offset: number, body: Uint8Array<ArrayBuffer> | string, headers: Headers = {}) =>
      send('PATCH', url, { 'Upload-Offset': String(offset), 'Content-Type': OFFSET_OCTETS, ...headers }, body),
    delete: (url: string, headers: Headers = {}) => send('DELETE', url, headers),
    /** The JSON view of an upload (GET /uploads/:id): status, bytes_received… */
    status: async (url: string) => (await (await send('GET', url)).json()) as Record<string, unknown>,
    /** POST, then the Location (as sent: relative or absolute). */
    async open(headers: Headers, body?: Uint8Array<ArrayBuffer> | string): Promise<string> {
      const res = await client.create(headers, body);
      if (res.status !== 201) throw new Error(`POST /uploads answered ${res.status}: ${await res.text()}`);
      return res.headers.get('location')!;
    },
    /** A finished upload of `bytes` (POST + one PATCH). */
    async finished(bytes: Uint8Array<ArrayBuffer> | string, headers: Headers = {}): Promise<string> {
      const length = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
      const url = await client.open({ 'Upload-Length': String(length), ...headers });
      const res = await client.patch(url, 0, bytes);
      if (res.status !== 204) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
      return url;
    },
  };
  return client;
}

/** base64 of a metadata value. */
export const b64 = (value: string) => Buffer.from(value).toString('base64');

/** Every response except to OPTIONS carries `Tus-Resumable: 1.0.0` (tus 1.0 core). */
export function expectTusResumable(res: Response, what = ''): void {
  expect(res.headers.get('tus-resumable'), `Tus-Resumable on ${res.status} ${what}`).toBe('1.0.0');
}

/** An error answer as tus requires: its status and Tus-Resumable. */
export function expectTusError(res: Response, status: number, what = ''): void {
  expect(res.status, what).toBe(status);
  expectTusResumable(res, what);
}
