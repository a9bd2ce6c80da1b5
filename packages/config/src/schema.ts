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
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return defaultValue;
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

const mimeList = commaList.refine(
  (list) => list === undefined || list.every((item) => item === '*/*' || /^[a-z0-9][\w.+-]*\/(\*|[\w.+-]+)$/i.test(item)),
  { message: 'expected a comma list of MIME types such as image/png,image/* (or */* for any)' },
);

export const envSchema = z.object({
  PORT: integer(8080, 0),
  HOST: optionalText,
  PUBLIC_URL: url(['http:', 'https:']),
  DATA_DIR: optionalText,
  DATABASE_URL: optionalText.refine(
    (value) => value === undefined || /^(file:|postgres(ql)?:\/\/)/.test(value),
    { message: 'expected file:<path> (SQLite) or postgresql://… (PostgreSQL)' },
  ),
  REDIS_URL: url(['redis:', 'rediss:']),
  STORAGE_BACKEND: z.enum(['local', 's3']).optional(),
  S3_ENDPOINT: url(['http:', 'https:']),
  S3_REGION: optionalText,
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
  RATE_LIMIT_PER_MINUTE: integer(1200, 1),
  AUTH_JWT_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  WORKER_QUEUES: commaList,
  RECONCILE_AFTER_SECONDS: integer(300, 1),
  JOB_LOCK_SECONDS: integer(30, 1),
  IDLE_TIMEOUT_SECONDS: integer(60, 1),
  UPLOAD_LOCK_TTL_SECONDS: integer(10, 1),
});

export type Env = z.infer<typeof envSchema>;

export function resolveDataDir(value: string | undefined): string {
  return path.resolve(value ?? './data');
}
