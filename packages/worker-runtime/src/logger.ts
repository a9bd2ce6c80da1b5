import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; secrets are never logged, and the paths below are redacted in case one slips in. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['*.authorization', '*.token', '*.secret', '*.password', '*.url'], censor: '[redacted]' },
  });
}
