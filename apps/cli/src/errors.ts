/** Exit codes: documented in docs/CLIENTS.md, Command-line client. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, INTERRUPTED: 130 } as const;

export interface ErrorDoc {
  message: string;
  /** HTTP status of the server's answer, when there was one. */
  status: number | null;
  /** The server's error code (`{"error": {"code"}}`), when it sent one. */
  code: string | null;
  hint: string | null;
}

/** Every failure the CLI reports: a message, the server's status and code when any, and a hint. */
export class CliError extends Error {
  readonly status: number | null;
  readonly code: string | null;
  readonly hint: string | null;
  readonly exitCode: number;

  constructor(message: string, options: { status?: number | null; code?: string | null; hint?: string | null; exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.status = options.status ?? null;
    this.code = options.code ?? null;
    this.hint = options.hint ?? (this.status ? hintForStatus(this.status) : null);
    this.exitCode = options.exitCode ?? EXIT.FAILURE;
  }

  toDoc(): ErrorDoc {
    return { message: this.message, status: this.status, code: this.code, hint: this.hint };
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint = 'run "airlock --help" for usage') {
    super(message, { hint, exitCode: EXIT.USAGE });
  }
}

export function hintForStatus(status: number): string | null {
  switch (status) {
    case 401:
      return 'set AIRLOCK_TOKEN (or pass --token) to a valid token; a development token: "airlock token <user>"';
    case 403:
      return 'the URL was refused: a signed download URL may have expired, ask for a new one';
    case 404:
      return "no such file or upload for this token (another user's files answer 404 too)";
    case 409:
      return 'the file is not in a state that allows this; see "airlock status <id>"';
    case 410:
      return 'the upload expired or was terminated; run the upload again to start over';
    case 413:
      return "the file is larger than the server's MAX_UPLOAD_SIZE or your remaining quota";
    case 415:
      return "the server's ALLOWED_TYPES do not include this file's type (detected from its bytes)";
    case 429:
      return 'rate limited; wait a minute and try again';
    default:
      return status >= 500 ? 'the server failed; try again, and check its logs if it persists' : null;
  }
}

/** The contract's JSON error `{"error": {"code", "message"}}`, or the raw text of any other answer. */
export function errorFromResponse(status: number, body: string, what: string): CliError {
  let message = body.trim().slice(0, 500);
  let code: string | null = null;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
  } catch {
    // Not JSON (tus answers some protocol errors as plain text): keep the text.
  }
  return new CliError(`${what}: ${message || `HTTP ${status}`}`, { status, code });
}

/** fetch() rejects with a bare "fetch failed" whose cause says what happened (ECONNREFUSED, …). */
export function errorFromNetwork(error: unknown, url: string): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new CliError(`cannot reach ${url}: ${reason}`, {
    hint: 'is the server running? set AIRLOCK_URL or pass --url',
    cause: error,
  });
}

/** Anything thrown, as a CliError (unexpected errors keep their message). */
export function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError(error instanceof Error ? error.message : String(error), { cause: error });
}
