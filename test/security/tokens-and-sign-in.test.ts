import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, tusHeaders } from '../support/http.js';
import { rawRequest } from '../support/raw-http.js';
import { JWT_SECRET, startStack, type Stack } from '@airlock/testing/stack';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const key = new TextEncoder().encode(JWT_SECRET);

/** Issue #12, items 3 and 4: what a token must be, who is an admin, and when a dev token is offered. */
describe('tokens', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { AUTH_ADMIN_CLAIM: 'groups=airlock-admins' } });
  });
  afterAll(() => stack?.stop());

  it('refuses a token without exp (it would be valid forever)', async () => {
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().sign(key);
    const res = await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${forever}` } });
    expect(res.status).toBe(401);
    const good = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('5m').sign(key);
    expect((await fetch(`${stack.url}/me`, { headers: { Authorization: `Bearer ${good}` } })).status).toBe(200);
  });

  it('makes an admin of the configured claim only (AUTH_ADMIN_CLAIM), not of role: admin', async () => {
    await createUpload(stack.url, await stack.token('bob'), 10);
    const asAdmin = await stack.token('carol', { groups: ['staff', 'airlock-admins'] });
    const roleOnly = await stack.token('mallory', { role: 'admin' });
    const list = async (token: string) => fetch(`${stack.url}/files?owner_id=bob`, { headers: { Authorization: `Bearer ${token}` } });
    const admin = await list(asAdmin);
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { items: unknown[] }).items).toHaveLength(1);
    // Without the claim, `owner_id` names nobody but oneself.
    const other = await list(roleOnly);
    expect(((await other.json()) as { items: unknown[] }).items ?? []).toHaveLength(0);
    expect((await rawRequest(stack.url, 'GET', '/admin/queues', { Authorization: `Bearer ${roleOnly}` })).status).toBe(403);
    expect((await rawRequest(stack.url, 'GET', '/admin/queues', { Authorization: `Bearer ${asAdmin}` })).status).toBe(200);
  });
});

describe('production start', () => {
  /** Runs a built entry point to its exit with the stack-like environment of `env`. */
  const run = (entry: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(ROOT, entry)], {
      env: { ...process.env, NODE_ENV: 'production', AUTH_JWT_SECRET: '', AUTH_JWKS_URL: '', LOG_LEVEL: 'warn', DATA_DIR: '/nonexistent/airlock', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each(['apps/api/dist/main.js', 'apps/worker/dist/main.js', 'apps/scanner/dist/main.js', 'apps/janitor/dist/main.js'])(
    '%s refuses to start without AUTH_JWT_SECRET or AUTH_JWKS_URL, in one line',
    (entry) => {
      const result = run(entry, {});
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/AUTH_JWT_SECRET: required in production/);
    },
  );

  it('refuses a JWKS over plain http to another host', () => {
    const result = run('apps/api/dist/main.js', { AUTH_JWKS_URL: 'http://idp.example/jwks.json', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^Invalid configuration: AUTH_JWKS_URL: must be https/);
  });
});

describe('the development sign-in', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A generated secret: the only setup in which a dev token exists at all.
    stack = await startStack({ env: { AUTH_JWT_SECRET: '' } });
  });
  afterAll(() => stack?.stop());

  const TOKEN_META = /<meta name="airlock-dev-token" content="ey[\w.-]+">/;
  const page = (headers: Record<string, string>) => rawRequest(stack.url, 'GET', '/', { Host: new URL(stack.url).host, ...headers });

  it('is offered to a person at this machine (the control case)', async () => {
    expect((await page({ 'Sec-Fetch-Mode': 'navigate' })).body).toMatch(TOKEN_META);
  });

  it.each<Record<string, string>>([
    { 'X-Forwarded-For': '203.0.113.7' },
    { 'X-Forwarded-Proto': 'https' },
    { 'X-Forwarded-Host': 'uploads.example.com' },
    { Forwarded: 'for=203.0.113.7' },
    { Via: '1.1 nginx' },
  ])('is never offered through a proxy on this machine (%j)', async (headers) => {
    const res = await page({ 'Sec-Fetch-Mode': 'navigate', ...headers });
    expect(res.status).toBe(200);
    expect(res.body).not.toMatch(/airlock-dev-token/);
  });

  it('is never printed when the output is not a terminal', () => {
    const output = stack.api.output();
    expect(output).toContain('Dev token: not printed');
    expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('still works with the API: the offered token is a real one', async () => {
    const token = TOKEN_META.exec((await page({})).body)![0].match(/content="([^"]+)"/)![1]!;
    expect((await rawRequest(stack.url, 'GET', '/me', tusHeaders(token))).status).toBe(200);
  });
});
