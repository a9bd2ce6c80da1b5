import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, tusHeaders } from '../support/http.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

/**
 * Sends raw request head and `bodyBytes` of a declared huge body, then reports the answer and
 * whether the server closed the connection on its own (instead of reading the 10 GB on).
 */
function declareHugeBody(base: string, head: string, bodyBytes: number): Promise<{ response: string; closedByServer: boolean }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let response = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ response, closedByServer: false });
    }, 5000);
    socket.on('connect', () => {
      socket.write(head);
      socket.write(Buffer.alloc(bodyBytes, 'x'));
    });
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('end', () => {
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ response, closedByServer: true });
    });
    socket.on('error', (error) => {
      clearTimeout(giveUp);
      // A reset after the answer also means the server would not read on.
      if (response) resolve({ response, closedByServer: true });
      else reject(error);
    });
  });
}

/** Issue #19, item 4. */
describe('connection hygiene', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { ALLOWED_TYPES: OCTETS, ANONYMOUS_RATE_LIMIT_PER_MINUTE: '8', MAX_UPLOAD_SIZE: String(1024 ** 2), CHUNK_SIZE: String(1024 ** 2) },
    });
  });
  afterAll(() => stack?.stop());

  const host = () => new URL(stack.url).host;

  it('answers 401 to a 10 GB body without a token with Connection: close, and stops reading', async () => {
    const head = `PATCH /uploads/${'a'.repeat(32)} HTTP/1.1\r\nHost: ${host()}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 10000000000\r\n\r\n`;
    const { response, closedByServer } = await declareHugeBody(stack.url, head, 64 * 1024);
    expect(response).toMatch(/^HTTP\/1\.1 401/);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(closedByServer).toBe(true);
  });

  it('closes the connection after a 413 for a declared length over the limit, and after a 404', async () => {
    const token = await stack.token('alice');
    const creation = `POST /uploads HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 10000000000\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 10000000000\r\n\r\n`;
    const tooLarge = await declareHugeBody(stack.url, creation, 64 * 1024);
    expect(tooLarge.response).toMatch(/^HTTP\/1\.1 413/);
    expect(tooLarge.closedByServer).toBe(true);
    const unknown = `PATCH /uploads/${'b'.repeat(32)} HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 10000000000\r\n\r\n`;
    const missing = await declareHugeBody(stack.url, unknown, 64 * 1024);
    expect(missing.response).toMatch(/^HTTP\/1\.1 404/);
    expect(missing.closedByServer).toBe(true);
  });

  it('keeps the connection alive when the body was read whole (the control case)', async () => {
    const token = await stack.token('bob');
    const { body } = await createUpload(stack.url, token, 10);
    const res = await patch((body as { upload_url: string }).upload_url, token, 0, new Uint8Array(10));
    expect(res.status).toBe(204);
    expect(res.headers.get('connection')).not.toBe('close');
  });

  it('rate-limits requests without a valid token per client address, and not those with one', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await fetch(`${stack.url}/me`, { headers: { Authorization: 'Bearer not-a-token' } })).status);
    // The limit counts every request without a valid token of this address in the last minute.
    expect(statuses.filter((code) => code === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((code) => code === 401).length).toBeLessThanOrEqual(8);
    const limited = await fetch(`${stack.url}/me`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A valid token spends its user's budget, not the address's.
    const ok = await fetch(`${stack.url}/me`, { headers: tusHeaders(await stack.token('carol')) });
    expect(ok.status).toBe(200);
  });
});
