import { createReadiness, type CheckSpec } from '@airlock/core';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

export interface HealthServerOptions {
  port: number;
  host: string;
  /** The roles this process runs, shown in /readyz. */
  roles: string[];
  checks: Record<string, CheckSpec>;
  metrics: Registry;
  logger: Logger;
}

/**
 * `/healthz`, `/readyz` and `/metrics` of a worker process, the same answers as the API's
 * (contract section 7), on WORKER_HEALTH_PORT. One server per process whatever its roles.
 * Resolves once listening; rejects when the port cannot be bound (the caller stops the start:
 * a worker nobody can probe would be restarted in a loop by an orchestrator anyway).
 */
export async function startHealthServer({ port, host, roles, checks, metrics, logger }: HealthServerOptions): Promise<Server> {
  const readiness = createReadiness(checks, {
    failed: (name, error) => logger.warn({ check: name, err: error }, 'readiness check failed'),
    recovered: (name) => logger.info({ check: name }, 'readiness check recovered'),
  });
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ error: { code: 'method_not_allowed', message: 'GET only' } }));
    if (url === '/healthz') return send(200, JSON.stringify({ status: 'ok' }));
    if (url === '/readyz') {
      void readiness().then(({ ready, body }) => send(ready ? 200 : 503, JSON.stringify({ status: body.status, roles, checks: body.checks })));
      return;
    }
    if (url === '/metrics') {
      void metrics.metrics().then(
        (text) => send(200, text, metrics.contentType),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics collection failed');
          send(500, 'metrics collection failed\n', 'text/plain');
        },
      );
      return;
    }
    send(404, JSON.stringify({ error: { code: 'not_found', message: 'try /healthz, /readyz or /metrics' } }));
  });
  // A probe that hangs must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
