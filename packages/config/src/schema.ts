import path from 'node:path';
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Common images, PDF, plain text, ZIP, Office documents, audio and video (contract section 2). */
export const DEFAULT_ALLOWED_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/tiff',
  'image/bmp',
  'application/pdf',
  'text/plain',
  'application/zip',
  'application/x-cfb',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'audio/*',
  'video/*',
];

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** A whole number written in decimal digits; `min` is inclusive. */
function integer(defaultValue: number, min = 0) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return defaultValue;
      if (!/^\d+$/.test(value)) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number, got "${value}"` });
        return z.NEVER;
      }
      const parsed = Number(value);
      if (!Number.isSafeInteger(parsed) || parsed < min) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number ≥ ${min}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });
}

/** Like integer(), but unset stays undefined: the default is computed from other variables. */
function optionalInteger(min = 0) {
  return integer(-1, min).transform((value) => (value === -1 ? undefined : value));
}

function bool(defaultValue: boolean) {
  return optionalBool().transform((value) => value ?? defaultValue);
}

/** true/false (1/0, yes/no, on/off); unset stays undefined: the default depends on other variables. */
function optionalBool() {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` });
      return z.NEVER;
    });
}

function url(protocols: string[]) {
  return optionalText.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${protocols.join(' or ')}//` },
  );
}

const commaList = optionalText.transform((value) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
);

const mimeList = commaList.refine((list) => list === undefined || list.every((item) => item === '*/*' || /^[a-z0-9][\w.+-]*\/(\*|[\w.+-]+)$/i.test(item)), {
  message: 'expected a comma list of MIME types such as image/png,image/* (or */* for any)',
});

export const envSchema = z.object({
  PORT: integer(8080, 0),
  HOST: optionalText,
  PUBLIC_URL: url(['http:', 'https:']),
  DATA_DIR: optionalText,
  DATABASE_URL: optionalText.refine((value) => value === undefined || /^(file:|postgres(ql)?:\/\/)/.test(value), {
    message: 'expected file:<path> (SQLite) or postgresql://… (PostgreSQL)',
  }),
  REDIS_URL: url(['redis:', 'rediss:']),
  STORAGE_BACKEND: z.enum(['local', 's3']).optional(),
  S3_ENDPOINT: url(['http:', 'https:']),
  S3_REGION: optionalText,
  // The AWS SDK's own name for the region: used when S3_REGION is unset.
  AWS_REGION: optionalText,
  S3_BUCKET: optionalText,
  S3_QUARANTINE_BUCKET: optionalText,
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_FORCE_PATH_STYLE: bool(false),
  S3_MULTIPART_THRESHOLD: integer(8 * MiB, 5 * MiB),
  S3_PART_SIZE: integer(8 * MiB, 5 * MiB),
  CLAMD_HOST: optionalText,
  CLAMD_PORT: integer(3310, 1),
  CLAMD_SOCKET: optionalText,
  SCAN_TIMEOUT_MS: integer(60_000, 1),
  SCAN_MAX_ATTEMPTS: integer(3, 1),
  // Attempts of validation and of promotion (each counted in the database) before the file ends failed / pipeline_error.
  STAGE_MAX_ATTEMPTS: integer(5, 1),
  MAX_UPLOAD_SIZE: integer(GiB, 1),
  CHUNK_SIZE: integer(8 * MiB, 1),
  ALLOWED_TYPES: mimeList,
  UPLOAD_EXPIRY_SECONDS: integer(86_400, 1),
  QUARANTINE_RETENTION_SECONDS: integer(2_592_000, 0),
  GC_INTERVAL_SECONDS: integer(300, 1),
  // How long a storage object with no row must have been untouched before GC removes it.
  // Unset: max(1 h, 2 × UPLOAD_EXPIRY_SECONDS) (see loadConfig). Tests set it low.
  ORPHAN_GRACE_SECONDS: optionalInteger(1),
  QUOTA_BYTES: integer(10 * GiB, 0),
  // Upload-Metadata is written to disk with the upload: capped, and every open upload is charged
  // at least UPLOAD_MIN_CHARGE_BYTES (unset: 8 × MAX_METADATA_BYTES, what its metadata can take on disk).
  MAX_METADATA_BYTES: integer(4 * KiB, 64),
  MAX_METADATA_KEYS: integer(32, 1),
  UPLOAD_MIN_CHARGE_BYTES: optionalInteger(0),
  MAX_OPEN_UPLOADS: integer(1000, 1),
  RATE_LIMIT_PER_MINUTE: integer(1200, 1),
  // Requests without a valid token (401s, signed downloads), per client address (TRUST_PROXY-aware).
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: integer(600, 1),
  AUTH_JWT_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  // During a key rotation: tokens signed with the previous secret are still accepted (checked
  // only when the current secret does not verify them). Remove it once old tokens expired.
  AUTH_JWT_PREVIOUS_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  AUTH_JWKS_URL: url(['http:', 'https:']),
  AUTH_JWT_ISSUER: optionalText,
  AUTH_JWT_AUDIENCE: optionalText,
  SIGNED_URL_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  SIGNED_URL_TTL_SECONDS: integer(900, 1),
  CORS_ORIGINS: commaList,
  WEBHOOK_URL: url(['http:', 'https:']),
  WEBHOOK_SECRET: optionalText,
  // How long a notifier's claim on an event holds; past it (the notifier died) another sends it.
  // Above an attempt's 10 s timeout, so a live notifier's claim never lapses mid-attempt.
  WEBHOOK_LEASE_SECONDS: integer(60, 11),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  WORKER_QUEUES: commaList,
  // Jobs one worker process runs at once per role: `4` (every role), or `scanner=2,validator=8`
  // (the others keep the default), or both: `4,scanner=2`.
  WORKER_CONCURRENCY: optionalText,
  // Each worker process serves /healthz, /readyz and /metrics here; 0 = no health server.
  WORKER_HEALTH_PORT: integer(9090, 0),
  RECONCILE_AFTER_SECONDS: integer(300, 1),
  JOB_LOCK_SECONDS: integer(30, 1),
  IDLE_TIMEOUT_SECONDS: integer(60, 1),
  UPLOAD_LOCK_TTL_SECONDS: integer(10, 1),
  NODE_ENV: optionalText,
  // Off by default: no forwarded header is believed. A hop count or an address list, as Express's
  // `trust proxy` understands them (see trustProxy below).
  TRUST_PROXY: optionalText,
  // The claim that makes a caller an admin, `name=value`. Trusted input: whoever issues tokens decides.
  AUTH_ADMIN_CLAIM: optionalText.refine((value) => value === undefined || /^[A-Za-z_][\w.:-]{0,63}=.{1,128}$/.test(value), {
    message: 'expected claim=value, for example role=admin',
  }),
  // Bodies of chunks sent with Upload-Checksum / Content-MD5 are spooled before they are appended.
  CHECKSUM_MAX_CHUNK_BYTES: integer(64 * MiB, 1),
  CHECKSUM_SPOOL_MAX_BYTES: integer(GiB, 1),
  // A PATCH whose average rate over the window stays below this is cut (what arrived is kept).
  MIN_UPLOAD_RATE_BYTES_PER_SECOND: integer(1024, 0),
  MIN_UPLOAD_RATE_WINDOW_SECONDS: integer(60, 1),
  MAX_CONCURRENT_PATCHES_PER_USER: integer(32, 1),
  // Test signatures only (no official ClamAV database): refused in production unless this is set.
  ALLOW_TEST_SIGNATURES: optionalBool(),
});

export type Env = z.infer<typeof envSchema>;

/**
 * TRUST_PROXY as Express's `trust proxy` setting: a hop count (`1`), or a comma list of
 * addresses, CIDR ranges and Express's names (`loopback`, `uniquelocal`, `linklocal`).
 * `true` (trust every hop) is refused: any client could then claim any address and origin.
 */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  if (value === undefined || /^(0|false|off|no)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^(1|true|on|yes)$/i.test(value)) throw new Error('expected a hop count or an address list; "true" would believe any client');
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const ok = items.every((item) => /^(loopback|linklocal|uniquelocal)$/.test(item) || /^[0-9a-f.:]+(\/\d{1,3})?$/i.test(item));
  if (!ok || items.length === 0) throw new Error('expected a hop count (1) or a comma list of addresses/CIDRs (loopback, 10.0.0.0/8, ::1)');
  return items;
}

/** Jobs a worker runs at once when WORKER_CONCURRENCY says nothing about its role. */
export const DEFAULT_WORKER_CONCURRENCY = 2;

/**
 * WORKER_CONCURRENCY: a whole number for every role and/or `role=n` pairs. Role names are
 * checked by the worker runtime, which knows them (config depends on nothing).
 */
export function parseWorkerConcurrency(value: string | undefined): { default: number; roles: Record<string, number> } {
  const result = { default: DEFAULT_WORKER_CONCURRENCY, roles: {} as Record<string, number> };
  if (value === undefined) return result;
  for (const item of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^(?:([a-z]+)=)?(\d+)$/.exec(item);
    const count = match ? Number(match[2]) : 0;
    if (!match || count < 1 || count > 1000) {
      throw new Error(`expected a number (1–1000) or role=number pairs such as scanner=2,validator=8, got "${item}"`);
    }
    if (match[1]) result.roles[match[1]] = count;
    else result.default = count;
  }
  return result;
}

export function resolveDataDir(value: string | undefined): string {
  return path.resolve(value ?? './data');
}
