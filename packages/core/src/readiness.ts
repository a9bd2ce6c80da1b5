/**
 * Readiness checks shared by the API and every worker process: one dependency each, run in
 * parallel, each with a deadline. The answer is public (no token on /readyz), so a failing
 * check says what kind of failure it was and which setting to look at, never the address,
 * host name or driver message; the full error goes to the caller's log.
 */
export type ReadinessCheck = { ok: boolean; error?: string } & Record<string, unknown>;

export interface CheckSpec {
  /** Resolves with the entry's details (`ok: false` + `error` for an answer not good enough), or rejects. */
  probe: () => Promise<Record<string, unknown>>;
  /** The variable(s) an operator should look at, named in the public reason: `REDIS_URL`. */
  setting: string;
  /** false: reported, but does not make the process unready (the API's clamd). */
  required?: boolean;
}

export interface Readiness {
  ready: boolean;
  body: { status: 'ready' | 'unavailable'; checks: Record<string, ReadinessCheck> };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'not found',
  ENOSPC: 'no space left',
  EROFS: 'read-only file system',
};

class ProbeTimeout extends Error {}

/** A short public reason for an error: its errno class, or a generic word; never its message. */
export function publicReason(error: unknown, setting: string): string {
  if (error instanceof ProbeTimeout) return `${error.message}; check ${setting}`;
  const code = findCode(error);
  const reason = (code && REASONS[code]) ?? 'failed (details in the logs)';
  return `${reason}; check ${setting}`;
}

function findCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const { code, cause, name, $metadata } = error as { code?: unknown; cause?: unknown; name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof code === 'string' && code in REASONS) return code;
  if (code === 'E_NOT_FOUND') return 'ENOENT';
  // HEAD answers (S3 HeadBucket) have no body: only the status says what went wrong.
  if ($metadata?.httpStatusCode === 403) return 'EACCES';
  if ($metadata?.httpStatusCode === 404) return 'ENOENT';
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') return 'EACCES';
  if (name === 'NoSuchBucket' || name === 'NotFound') return 'ENOENT';
  // AggregateError (happy eyeballs) and wrapped errors keep the errno further in.
  for (const inner of (error as { errors?: unknown[] }).errors ?? []) {
    const found = findCode(inner, depth + 1);
    if (found) return found;
  }
  return findCode(cause, depth + 1);
}

/**
 * Runs every check (each gets `timeoutMs`); ready when every required one is ok. `onError`
 * receives the full error of each failed probe, for the log.
 */
export async function checkReadiness(specs: Record<string, CheckSpec>, onError: (name: string, error: unknown) => void, timeoutMs = 2_000): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(specs).map(async ([name, spec]) => {
      const required = spec.required ?? true;
      let timer: NodeJS.Timeout | undefined;
      let check: ReadinessCheck;
      try {
        const details = await Promise.race([
          spec.probe(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        check = { ok: true, ...details };
      } catch (error) {
        onError(name, error);
        check = { ok: false, error: publicReason(error, spec.setting) };
      } finally {
        clearTimeout(timer);
      }
      if (!required) check = { ...check, required: false };
      return [name, check, required] as const;
    }),
  );
  const ready = entries.every(([, check, required]) => check.ok || !required);
  const checks = Object.fromEntries(entries.map(([name, check]) => [name, check]));
  return { ready, body: { status: ready ? 'ready' : 'unavailable', checks } };
}

export interface ReadinessLog {
  /** A check started failing, or fails for another reason than last time: the whole error. */
  failed(name: string, error: unknown): void;
  /** A check that failed answers again. */
  recovered(name: string): void;
}

/**
 * `checkReadiness` for a process's /readyz, logging changes only: probes come every few
 * seconds from every balancer and orchestrator, and a dependency that stays down should say so
 * once (with its full error), not on every probe.
 */
export function createReadiness(specs: Record<string, CheckSpec>, log: ReadinessLog, timeoutMs = 2_000): () => Promise<Readiness> {
  const failing = new Map<string, string>();
  return async () => {
    const errors = new Map<string, unknown>();
    const result = await checkReadiness(specs, (name, error) => errors.set(name, error), timeoutMs);
    for (const [name, check] of Object.entries(result.body.checks)) {
      const reason = check.ok ? undefined : (check.error ?? 'not ok');
      const before = failing.get(name);
      if (reason === undefined) {
        if (before !== undefined) log.recovered(name);
        failing.delete(name);
      } else if (reason !== before) {
        failing.set(name, reason);
        log.failed(name, errors.get(name) ?? new Error(reason));
      }
    }
    return result;
  };
}
