import { AppError } from '@airlock/core';
import type { NextFunction, Request, Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';

/** The dashboard's session cookie: the admin's JWT itself, so it lapses with the token. */
export const ADMIN_COOKIE = 'airlock_admin_token';

/**
 * Admin endpoints: an admin token or 401 (no token) / 403 `forbidden` (a valid token
 * without `role: "admin"`). A browser cannot send a bearer header when it navigates, so
 * besides `Authorization: Bearer` the token is taken from:
 * - `?token=<JWT>` once: it becomes an HttpOnly, SameSite=Strict cookie scoped to `cookiePath`
 *   and the browser is redirected to the same URL without it (out of the address bar and
 *   history; request logs never carry query strings);
 * - that cookie afterwards. SameSite=Strict keeps other sites from riding on it (CSRF).
 *
 * A write (any method but GET, HEAD, OPTIONS) that a browser authenticates by itself (cookie
 * or `?token=`) must come from this origin as well, or 403: SameSite does not stop a sibling
 * subdomain (same site) or a browser that ignores it. A bearer header is never sent by a
 * browser on its own, so a request carrying one is the client's deliberate act.
 */
export function requireAdmin(tokens: TokenVerifier, { cookiePath, publicUrl }: { cookiePath: string; publicUrl?: string | undefined }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      const fromHeader = header === undefined ? undefined : (/^Bearer\s+([A-Za-z0-9_.=-]+)\s*$/i.exec(header)?.[1] ?? '');
      const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
      const token = fromHeader ?? fromQuery ?? cookieOf(req, ADMIN_COOKIE);
      if (!token) throw new AppError('E_UNAUTHORIZED', 'an admin token is required (Authorization: Bearer, or ?token= once in a browser)');
      if (fromHeader === undefined && !SAFE_METHODS.has(req.method) && !fromSameOrigin(req, publicUrl)) {
        throw new AppError('E_FORBIDDEN', 'an admin write authenticated by the browser must come from this origin (Origin or Sec-Fetch-Site: same-origin)');
      }
      const caller = await tokens.verify(token);
      if (!caller.isAdmin) throw new AppError('E_FORBIDDEN', 'this endpoint is for admin tokens only');
      req.caller = caller;
      if (fromHeader === undefined && fromQuery !== undefined) {
        res.cookie(ADMIN_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: cookiePath });
        const url = new URL(req.originalUrl, 'http://airlock.invalid');
        url.searchParams.delete('token');
        return void res.redirect(303, `${url.pathname}${url.search}`);
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Fetch Metadata first (`Sec-Fetch-Site: same-origin`, sent by every current browser); without
 * it, the `Origin` (sent with every cross-origin and every non-GET request) must be this
 * service's own: the origin the request was made to, or PUBLIC_URL's. `null`, another origin
 * or neither header → not same-origin.
 */
export function fromSameOrigin(req: Request, publicUrl?: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin?.toLowerCase();
  if (!origin || origin === 'null') return false;
  const own = [`${req.protocol}://${req.get('host') ?? ''}`.toLowerCase()];
  if (publicUrl) own.push(new URL(publicUrl).origin);
  return own.includes(origin);
}

/** One cookie's value from the `Cookie` header (RFC 6265 syntax), or undefined. */
function cookieOf(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || undefined;
  }
  return undefined;
}
