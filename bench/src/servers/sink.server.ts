import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The ceiling of Node HTTP on this machine: a server that reads and discards request bodies.
 * It speaks just enough tus (201 + Location for POST, 204 + Upload-Offset for PATCH, from the
 * request's own headers) for tus-js-client to drive it exactly as it drives the real servers.
 * Run as a child process; reports its port over IPC.
 */
let next = 0;
const server = http.createServer((req, res) => {
  let received = 0;
  req.on('data', (chunk: Buffer) => (received += chunk.length));
  req.on('end', () => {
    res.setHeader('Tus-Resumable', '1.0.0');
    if (req.method === 'POST') {
      res.setHeader('Location', `http://${req.headers.host}/uploads/${++next}`);
      res.setHeader('Upload-Offset', '0');
      res.writeHead(201).end();
    } else if (req.method === 'PATCH') {
      res.setHeader('Upload-Offset', String(Number(req.headers['upload-offset'] ?? 0) + received));
      res.writeHead(204).end();
    } else {
      res.writeHead(204).end();
    }
  });
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
// The bench is our only client: when it goes (IPC closed) or says so, we go.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
