import type { Config } from '@airlock/config';

/**
 * Every URL Airlock hands a client (tus `Location`, `upload_url`, local download URLs) is built
 * here: on `PUBLIC_URL` when it is set, else relative to the server (tus clients, browsers and
 * our CLI resolve it against the URL they called). No request header — `Host`,
 * `X-Forwarded-Host`, `Forwarded` — ever chooses the origin a client is sent to: a proxy's
 * forwarded host is only the client's `Host` passed on, so trusting it would let anyone
 * point another user's client (or a cache) at a foreign origin.
 */
export function clientUrl(config: Pick<Config, 'publicUrl'>, path: string): string {
  return `${config.publicUrl ?? ''}${path}`;
}
