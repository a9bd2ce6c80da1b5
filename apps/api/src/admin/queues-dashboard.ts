import { ROLES, type Producer } from '@airlock/queue';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import { requireAdmin } from './admin-auth.middleware.js';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * `/admin/queues`: bull-board over every role's queue (contract section 7), for admin tokens
 * only (see requireAdmin). Admins may retry, promote and clean jobs from it; job payloads
 * hold ids only, so it shows no file content or secret.
 */
export function queuesDashboard({ producer, tokens }: { producer: Producer; tokens: TokenVerifier }): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: ROLES.map((role) => new BullMQAdapter(producer.queue(role), { description: `${role} jobs` })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Airlock queues' } },
  });
  const router = Router();
  router.use(DASHBOARD_PATH, requireAdmin(tokens, { cookiePath: '/admin' }), adapter.getRouter());
  return router;
}
