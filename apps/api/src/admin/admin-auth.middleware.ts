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
 */
export function requireAdmin(tokens: TokenVerifier, { cookiePath }: { cookiePath: string }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.headers.authorization;
      const fromHeader = header === undefined ? undefined : (/^Bearer\s+([A-Za-z0-9_.=-]+)\s*$/i.exec(header)?.[1] ?? '');
      const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
      const token = fromHeader ?? fromQuery ?? cookieOf(req, ADMIN_COOKIE);
      if (!token) throw new AppError('E_UNAUTHORIZED', 'an admin token is required (Authorization: Bearer, or ?token= once in a browser)');
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

/** One cookie's value from the `Cookie` header (RFC 6265 syntax), or undefined. */
function cookieOf(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || undefined;
  }
  return undefined;
}
