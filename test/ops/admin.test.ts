import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@airlock/testing/stack';

const ROLES = ['validator', 'scanner', 'promoter', 'janitor', 'notifier'];

describe('the queue dashboard at /admin/queues', () => {
  let stack: Stack;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    // info: the request log lines are written, so the test can check no token is in them.
    stack = await startStack({ env: { LOG_LEVEL: 'info' } });
    admin = await stack.token('root', { role: 'admin' });
    user = await stack.token('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.url}${path}`, { headers, redirect: 'manual' });

  it('answers 401 without a token and 403 `forbidden` to a user token', async () => {
    const anonymous = await get('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });

    const forbidden = await get('/admin/queues', { Authorization: `Bearer ${user}` });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await get(`/admin/queues?token=${user}`)).status).toBe(403);
    expect((await get('/admin/queues', { Cookie: `airlock_admin_token=${user}` })).status).toBe(403);
    expect((await get('/admin/queues', { Authorization: 'Bearer not-a-jwt' })).status).toBe(401);
  });

  it('serves the dashboard as HTML to an admin token, with every role’s queue', async () => {
    const page = await get('/admin/queues', { Authorization: `Bearer ${admin}` });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<html/i);

    const api = await get('/admin/queues/api/queues', { Authorization: `Bearer ${admin}` });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string }[] };
    expect(queues.map((queue) => queue.name).sort()).toEqual(ROLES.map((role) => `airlock-${role}`).sort());
  });

  it('turns ?token= into an HttpOnly cookie scoped to /admin, and never logs the token', async () => {
    const handoff = await get(`/admin/queues?token=${admin}&tab=x`);
    expect(handoff.status).toBe(303);
    expect(handoff.headers.get('location')).toBe('/admin/queues?tab=x');
    const cookie = handoff.headers.get('set-cookie')!;
    expect(cookie).toContain(`airlock_admin_token=${admin}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin(;|$)/);

    const withCookie = await get('/admin/queues/api/queues', { Cookie: `other=1; airlock_admin_token=${admin}` });
    expect(withCookie.status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 200)); // pino writes asynchronously
    expect(stack.api.output()).toContain('/admin/queues');
    expect(stack.api.output()).not.toContain(admin);
  });
});
