import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';

/**
 * Bare @tus/server 2.4.5 + @tus/file-store 2.1.1 with their defaults (MemoryLocker, the
 * store's file KV for metadata), mounted at /uploads like Airlock's. Run as a child process
 * (argv[2] = directory) so its CPU time and memory are measured like the API's; reports its
 * port over IPC.
 */
const directory = process.argv[2];
if (!directory) throw new Error('usage: bare-tus.server.js <directory>');

const tus = new Server({ path: '/uploads', datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => void tus.handle(req, res));
// As in Airlock's main.ts: a long PATCH must not be cut by Node's 300 s requestTimeout.
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
// A normal exit, so that --cpu-prof writes its profile.
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
