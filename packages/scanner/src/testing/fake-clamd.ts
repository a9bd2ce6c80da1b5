import net from 'node:net';

/**
 * A misbehaving clamd for tests of failure handling, never for a clean verdict (which is
 * proved against the real clamd). `silent`: accepts and never answers; `garbage`: answers
 * nonsense; `close`: closes without answering; `ok-early`: claims clean before reading.
 */
export type FakeMode = 'silent' | 'garbage' | 'close' | 'ok-early';

export interface FakeClamd {
  port: number;
  connections: number;
  close(): Promise<void>;
}

export async function startFakeClamd(mode: FakeMode): Promise<FakeClamd> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      if (mode === 'garbage') socket.end('\x01\x02 not clamd at all\0');
      if (mode === 'close') socket.destroy();
      if (mode === 'ok-early') socket.write('stream: OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
