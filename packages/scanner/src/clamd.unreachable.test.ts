import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ClamdClient } from './clamd.client.js';

async function* one(bytes: string) {
  yield Buffer.from(bytes);
}

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * clamd down (issue #14): a scan that could not reach clamd at all is no attempt at scanning the
 * file (the pipeline waits for clamd instead of spending the file's budget); one that reached
 * clamd and then failed is an attempt (a file that crashes clamd must not be retried forever).
 */
describe('ClamdClient when clamd cannot be reached', () => {
  it('says so for a refused connection and a missing socket', async () => {
    const refused = await new ClamdClient({ host: '127.0.0.1', port: await closedPort() }).scan(one('x'), { timeoutMs: 5_000 });
    expect(refused).toMatchObject({ verdict: 'error', unreachable: true });
    expect(refused.detail).toMatch(/ECONNREFUSED/);
    const noSocket = await new ClamdClient({ host: '', port: 0, socket: '/nonexistent/clamd.sock' }).scan(one('x'), { timeoutMs: 5_000 });
    expect(noSocket).toMatchObject({ verdict: 'error', unreachable: true });
  });

  it('does not for a connection clamd accepted and then dropped', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const dropped = await new ClamdClient({ host: '127.0.0.1', port }).scan(one('x'), { timeoutMs: 5_000 });
      expect(dropped.verdict).toBe('error');
      expect(dropped.unreachable).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
