import os from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';

/**
 * The client's own configuration: flags win over the environment. (The service's variables are
 * read by @airlock/config; these are the CLI's, so they are read here, once.)
 */
export interface Settings {
  /** Base URL of the API, without a trailing slash. */
  url: string;
  token: string | undefined;
  json: boolean;
  /** Where resumable uploads are remembered (`uploads.json`). */
  stateDir: string;
  /** Progress bars only on an interactive stderr, and never with --json. */
  bars: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export function resolveSettings(
  flags: { url?: string | undefined; token?: string | undefined; json?: boolean | undefined },
  env: NodeJS.ProcessEnv = process.env,
  stderrIsTty = Boolean(process.stderr.isTTY),
): Settings {
  const raw = flags.url ?? env.AIRLOCK_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`, 'set AIRLOCK_URL or --url to the API, e.g. http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`not an http(s) URL: ${raw}`);
  const json = flags.json ?? false;
  return {
    url: url.href.replace(/\/+$/, ''),
    token: flags.token ?? (env.AIRLOCK_TOKEN || undefined),
    json,
    stateDir: env.AIRLOCK_STATE_DIR || path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'airlock'),
    bars: stderrIsTty && !json && env.TERM !== 'dumb',
  };
}
