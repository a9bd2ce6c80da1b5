/**
 * Errors with a class, a code and a cause. Every error the service answers with is an
 * AppError; the HTTP layer maps `status` and `code` into the contract's JSON shape
 * `{"error": {"code", "message"}}`.
 */
export const ERROR_CODES = {
  E_UNAUTHORIZED: { status: 401, code: 'unauthorized' },
  E_FORBIDDEN: { status: 403, code: 'forbidden' },
  E_NOT_FOUND: { status: 404, code: 'not_found' },
  E_BAD_REQUEST: { status: 400, code: 'bad_request' },
  E_CONFLICT: { status: 409, code: 'conflict' },
  E_GONE: { status: 410, code: 'gone' },
  E_PRECONDITION_FAILED: { status: 412, code: 'precondition_failed' },
  E_TOO_LARGE: { status: 413, code: 'upload_too_large' },
  E_QUOTA_EXCEEDED: { status: 413, code: 'quota_exceeded' },
  E_TYPE_NOT_ALLOWED: { status: 415, code: 'type_not_allowed' },
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  E_RATE_LIMITED: { status: 429, code: 'rate_limited' },
  E_UNAVAILABLE: { status: 503, code: 'unavailable' },
  E_INTERNAL: { status: 500, code: 'internal' },
} as const;

export type ErrorKey = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly key: ErrorKey;
  readonly status: number;
  readonly code: string;

  constructor(key: ErrorKey, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.key = key;
    this.status = ERROR_CODES[key].status;
    this.code = ERROR_CODES[key].code;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
