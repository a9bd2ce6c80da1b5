// The pipeline logs through whatever pino logger its host built (worker-runtime's createLogger,
// with its redaction list); it never builds one itself.
export type { Logger } from 'pino';
