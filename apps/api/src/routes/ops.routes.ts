import { Router } from 'express';
import type { ApiMetrics } from '../metrics/metrics.js';
import { openApiDocument } from '../openapi/openapi.document.js';

/**
 * `/metrics` and `/openapi.json` (contract section 7), without a token like `/healthz`:
 * keep `/metrics` off the public network (it names queue sizes and file counts, nothing more).
 */
export function opsRoutes({ metrics }: { metrics: ApiMetrics }): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  return router;
}
