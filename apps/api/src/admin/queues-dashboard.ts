import { ROLES, type Producer } from '@airlock/queue';
import type { Config } from '@airlock/config';
import express, { Router, type Express, type RequestHandler } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import { securityHeaders } from '../http/security-headers.js';
import { requireAdmin } from './admin-auth.middleware.js';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * What bull-board's UI needs and nothing more: its own scripts (no inline script, no eval;
 * the UI config is a JSON data block), its stylesheets plus the inline styles of its page,
 * `<base href>` to this path, API calls to this origin. Its Google Fonts stylesheet is refused
 * on purpose (an admin page tells no third party who opens it; the UI falls back to local fonts).
 */
export const QUEUES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * `/admin/queues`: bull-board over every role's queue (contract section 7), for admin tokens
 * only (see requireAdmin). Admins may retry, promote and clean jobs from it; job payloads
 * hold ids only, so it shows no file content or secret. Every answer under the path, 401s and
 * 404s included, carries the security headers (see QUEUES_CSP).
 */
export function queuesDashboard({ config, producer, tokens }: { config: Config; producer: Producer; tokens: TokenVerifier }): Router {
  // bull-board (about 3 MiB of heap) is loaded by the first admin who opens the dashboard,
  // not by every API process at start (issue #15: memory).
  let board: Promise<RequestHandler> | undefined;
  const lazyBoard: RequestHandler = (req, res, next) => {
    board ??= loadBoard(producer).catch((error: unknown) => {
      board = undefined;
      throw error;
    });
    board.then((handler) => handler(req, res, next), next);
  };
  // Mounted as an app of its own, as bull-board's is (the OpenAPI test finds the mount so).
  const mounted = express();
  mounted.disable('x-powered-by');
  mounted.use(lazyBoard);
  const router = Router();
  router.use(DASHBOARD_PATH, securityHeaders(QUEUES_CSP), requireAdmin(tokens, { cookiePath: '/admin', publicUrl: config.publicUrl }), mounted);
  return router;
}

async function loadBoard(producer: Producer): Promise<RequestHandler> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/express'),
  ]);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: ROLES.map((role) => new BullMQAdapter(producer.queue(role), { description: `${role} jobs` })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Airlock queues' } },
  });
  // bull-board mounts an Express app of its own, which says X-Powered-By unless told not to.
  const board = adapter.getRouter() as Express;
  board.disable('x-powered-by');
  return board;
}
