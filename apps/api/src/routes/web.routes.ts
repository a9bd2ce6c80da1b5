import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@airlock/core';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '@airlock/config';
import type { TokenVerifier } from '../auth/tokens.js';
import { sendError } from '../http/errors.js';
import { setSecurityHeaders } from '../http/security-headers.js';

/** `apps/web/dist`, found from this module's own place (`apps/api/{dist,src}/routes/`). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The dashboard is static files built by Vite with no inline script or style: scripts and
 * styles from this origin only, API calls (fetch and tus) to this origin only, thumbnails of
 * local files as blob: URLs, and never inside a frame.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

interface Deps {
  config: Pick<Config, 'production'>;
  tokens: TokenVerifier;
  logger: Logger;
  /** The built dashboard; `DEFAULT_WEB_ROOT` unless a test says otherwise. */
  webRoot?: string;
}

/**
 * The web dashboard (`apps/web`) at `/`. Mounted after every API route, for GET and HEAD only,
 * so it can never shadow one. Without a build the API still runs: `/` answers a JSON 404 that
 * says how to build it.
 */
export function webRoutes({ config, tokens, logger, webRoot = DEFAULT_WEB_ROOT }: Deps): Router {
  const router = Router();
  const indexFile = path.join(webRoot, 'index.html');
  if (!fs.existsSync(indexFile)) {
    logger.warn({ webRoot }, 'web dashboard not built: / answers 404 until `pnpm run build` builds apps/web');
  }

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || (req.path !== '/' && req.path !== '/index.html')) return next();
    const html = await fs.promises.readFile(indexFile, 'utf8').catch(() => null);
    if (html === null) {
      return sendError(res, new AppError('E_NOT_FOUND', 'the web dashboard is not built (apps/web/dist is missing): run `pnpm run build`'));
    }
    const devToken = tokens.devSecret && !config.production && isLocalNavigation(req) ? await tokens.sign('dev', { expiresIn: '24h' }) : null;
    securityHeaders(res);
    // No caching: the page may carry a token, and a new build must be picked up at once.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(devToken ? html.replace('</head>', `<meta name="airlock-dev-token" content="${devToken}">\n</head>`) : html);
  });
  router.use(
    express.static(webRoot, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders(res, file) {
        securityHeaders(res);
        // Vite puts a content hash in every asset's name.
        const hashed = file.startsWith(path.join(webRoot, 'assets') + path.sep);
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  return router;
}

function securityHeaders(res: Response): void {
  setSecurityHeaders(res, DASHBOARD_CSP);
}

const LOOPBACK_ADDRESS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/** Headers a proxy adds: a request that carries one came through a proxy, whatever its peer address says. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip', 'via'];

/**
 * Development only (the HS256 secret was generated, so nothing real is protected yet, and
 * NODE_ENV is not production), and even then only for a person opening the page on this
 * machine: the peer is loopback (not someone on the network: HOST defaults to 0.0.0.0), no
 * proxy header is present (an nginx on the same machine has a loopback peer address and, by
 * default, sends the upstream's loopback Host: without this check it would hand the token
 * to the whole internet), the Host is a loopback name (a DNS rebinding page cannot read it),
 * and the browser says it is a navigation, not a script's fetch (another site's `fetch`,
 * allowed by a wide CORS_ORIGINS, cannot read it). A client that sends no Fetch Metadata
 * (curl) is treated as a navigation.
 */
function isLocalNavigation(req: Request): boolean {
  const mode = req.headers['sec-fetch-mode'];
  return (
    LOOPBACK_ADDRESS.test(req.socket.remoteAddress ?? '') &&
    !PROXY_HEADERS.some((name) => req.headers[name] !== undefined) &&
    LOOPBACK_HOST.test(req.headers.host ?? '') &&
    (mode === undefined || mode === 'navigate')
  );
}
