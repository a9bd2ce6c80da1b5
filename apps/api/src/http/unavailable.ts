/** Error codes of a dependency that is down or restarting (sockets, PostgreSQL SQLSTATE classes 08 and 57P). */
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const MESSAGES = [
  /connection terminated/i,
  /connection is closed/i,
  /can't reach database server/i,
  /stream isn't writeable/i,
  /server has closed the connection/i,
  /timeout exceeded when trying to connect/i,
  /database is locked/i,
  /ECONNREFUSED/,
];

/**
 * True when `error` (or anything in its cause chain, Prisma's driver-adapter details
 * included) says a dependency — the database or Redis — is unreachable right now. Such a
 * request is answered 503 with Retry-After: the client retries, nothing was half-done.
 */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 6) return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
    kind?: unknown;
    originalCode?: unknown;
  };
  for (const code of [candidate.code, candidate.originalCode]) if (typeof code === 'string' && CODES.has(code)) return true;
  if (candidate.kind === 'DatabaseNotReachable' || candidate.kind === 'ConnectionClosed' || candidate.kind === 'SocketTimeout') return true;
  if (typeof candidate.message === 'string' && MESSAGES.some((pattern) => pattern.test(candidate.message as string))) return true;
  return isUnavailable(candidate.cause, depth + 1) || isUnavailable(candidate.meta?.driverAdapterError, depth + 1);
}
