import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { useFixture } from '../fixture.js';

export interface Delivery {
  at: number;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; created_at: string; file: { id: string; status: string; failure_reason: string | null } };
  answered: number;
}

export type WebhookReceiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * A webhook receiver on 127.0.0.1 that records every delivery and answers 500 to the first
 * delivery for the file ids in `failFirst` (204 otherwise).
 */
export async function startReceiver() {
  const deliveries: Delivery[] = [];
  const failFirst = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Delivery['body'];
      const answered = failFirst.delete(body.file.id) ? 500 : 204;
      deliveries.push({ at: Date.now(), headers: req.headers, raw, body, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/airlock`,
    deliveries,
    failFirst,
    of: (fileId: string) => deliveries.filter((d) => d.body.file.id === fileId),
    /** Event ids the receiver acknowledged (2xx), once per acknowledgement. */
    acknowledged: () => deliveries.filter((d) => d.answered < 300).map((d) => d.headers['airlock-event-id'] as string),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The receiver's side of `Airlock-Signature`, written from the documented scheme (not the code under test). */
export function verifySignature(secret: string, header: string | undefined, raw: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${raw}`).digest('hex');
  return expected === match[2] && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

/** A receiver started in beforeAll and closed in afterAll (call it before useStack). */
export function useWebhookReceiver(): WebhookReceiver {
  return useFixture('useWebhookReceiver: the receiver', startReceiver, (receiver) => receiver.close());
}
