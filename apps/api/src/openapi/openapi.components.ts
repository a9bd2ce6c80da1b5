import { FAILURE_REASONS, FILE_STATUSES, WEBHOOK_EVENTS } from '@airlock/core';
import type { Response, Responses, Schema, SecurityScheme } from './openapi.types.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type as string, 'null'] });
const timestamp: Schema = { type: 'string', format: 'date-time' };
const id: Schema = { type: 'string', pattern: '^[0-9a-f]{32}$', description: '32 lower-case hex characters' };

/** The JSON bodies of contract sections 5–7, as the code builds them (upload-json.ts, @airlock/core fileJson). */
export const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', examples: ['unauthorized', 'forbidden', 'not_found', 'quota_exceeded', 'rate_limited'] },
          message: { type: 'string' },
        },
      },
    },
  },
  FileStatus: { type: 'string', enum: [...FILE_STATUSES], description: 'complete, quarantined, rejected, scan_failed and failed are terminal' },
  FailureReason: {
    type: ['string', 'null'],
    enum: [...FAILURE_REASONS, null],
    description:
      'why a file is `failed` (expired, terminated, checksum_mismatch; bytes_missing: its bytes were gone when a pipeline stage needed them; invalid_record: its record lacks what a stage needs; pipeline_error: validation or promotion failed STAGE_MAX_ATTEMPTS times), or `scan_failed` because clamd had only test signatures where they are not allowed (test_signatures_only; null when every scan attempt failed)',
  },
  UploadCreated: {
    type: 'object',
    required: ['upload_id', 'file_id', 'upload_url', 'chunk_size', 'expires_at'],
    properties: { upload_id: id, file_id: id, upload_url: { type: 'string', format: 'uri' }, chunk_size: { type: 'integer' }, expires_at: timestamp },
  },
  UploadStatus: {
    type: 'object',
    required: ['upload_id', 'file_id', 'status', 'failure_reason', 'bytes_received', 'total_size', 'chunk_size', 'expires_at', 'created_at', 'updated_at'],
    properties: {
      upload_id: id,
      file_id: id,
      status: ref('FileStatus'),
      failure_reason: ref('FailureReason'),
      bytes_received: { type: 'integer', minimum: 0 },
      total_size: nullable({ type: 'integer', minimum: 0, description: 'null while the length is deferred' }),
      chunk_size: { type: 'integer' },
      expires_at: timestamp,
      created_at: timestamp,
      updated_at: timestamp,
    },
  },
  File: {
    type: 'object',
    required: [
      'id',
      'owner_id',
      'original_filename',
      'size_bytes',
      'mime_type',
      'checksum_sha256',
      'status',
      'failure_reason',
      'created_at',
      'updated_at',
      'scan',
    ],
    properties: {
      id,
      owner_id: { type: 'string' },
      original_filename: nullable({ type: 'string' }),
      size_bytes: nullable({ type: 'integer', minimum: 0 }),
      mime_type: nullable({ type: 'string', description: 'detected from the bytes, never the declared type' }),
      checksum_sha256: nullable({ type: 'string', pattern: '^[0-9a-f]{64}$' }),
      status: ref('FileStatus'),
      failure_reason: ref('FailureReason'),
      created_at: timestamp,
      updated_at: timestamp,
      scan: {
        type: 'object',
        required: ['result', 'signature', 'attempts', 'scanned_at'],
        properties: {
          result: {
            type: ['string', 'null'],
            enum: ['clean', 'infected', 'error', null],
            description: 'null: not scanned yet; error: the last attempt failed',
          },
          signature: nullable({ type: 'string', description: 'what clamd found' }),
          attempts: { type: 'integer', minimum: 0 },
          scanned_at: nullable(timestamp),
        },
      },
      // Admin tokens only (an owner never sees a deleted file).
      deleted_at: nullable({ ...timestamp, description: 'admin only: when its owner (or an admin) deleted it' }),
      purged_at: nullable({ ...timestamp, description: 'admin only: when its bytes were removed (deletion, or retention for evidence)' }),
      scan_audit: {
        type: 'array',
        description: 'admin only, GET /files/{id}: every scan attempt, oldest first',
        items: {
          type: 'object',
          required: ['attempt', 'result', 'signature', 'sha256', 'engine_version', 'duration_ms', 'detail', 'at'],
          properties: {
            attempt: { type: 'integer', minimum: 1 },
            result: { type: 'string', enum: ['clean', 'infected', 'error'] },
            signature: nullable({ type: 'string' }),
            sha256: nullable({ type: 'string', pattern: '^[0-9a-f]{64}$', description: 'of the bytes this attempt read, infected ones included' }),
            engine_version: nullable({ type: 'string' }),
            duration_ms: { type: 'integer', minimum: 0 },
            detail: nullable({ type: 'string' }),
            at: timestamp,
          },
        },
      },
    },
  },
  FileList: {
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: { items: { type: 'array', items: ref('File') }, next_cursor: nullable({ type: 'string', description: 'null on the last page' }) },
  },
  DownloadUrlRequest: {
    type: 'object',
    properties: { expires_in: { type: 'integer', minimum: 1, maximum: 604800, description: 'seconds; default SIGNED_URL_TTL_SECONDS' } },
  },
  DownloadUrl: { type: 'object', required: ['url', 'expires_at'], properties: { url: { type: 'string', format: 'uri' }, expires_at: timestamp } },
  Me: {
    type: 'object',
    required: ['user_id', 'quota_bytes', 'used_bytes', 'reserved_bytes'],
    properties: {
      user_id: { type: 'string' },
      quota_bytes: { type: 'integer' },
      used_bytes: { type: 'integer', description: 'bytes of complete, undeleted files' },
      reserved_bytes: { type: 'integer', description: 'bytes held by open and in-pipeline uploads' },
    },
  },
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Check: {
    type: 'object',
    required: ['ok'],
    properties: {
      ok: { type: 'boolean' },
      error: { type: 'string', description: 'a short reason and the setting to check (details in the logs), e.g. "connection refused; check REDIS_URL"' },
      required: { const: false, description: 'present when the check is informational: it never makes the process unready' },
    },
    additionalProperties: true,
  },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      checks: {
        type: 'object',
        required: ['db', 'redis', 'storage', 'clamd'],
        properties: {
          db: ref('Check'),
          redis: ref('Check'),
          storage: ref('Check'),
          clamd: {
            allOf: [ref('Check')],
            description: "informational on the API (required: false): the scanner needs clamd, uploads do not; the scanner's own /readyz counts it",
            properties: {
              version: { type: 'string', examples: ['ClamAV 1.4.6'] },
              database: nullable({ type: 'string', description: 'signature database version; null when only test signatures are loaded' }),
            },
          },
        },
      },
    },
  },
  WebhookEvent: {
    type: 'object',
    required: ['id', 'type', 'created_at', 'file'],
    properties: {
      id: { type: 'string', description: 'The event id, `<file id>.<type>`: the same on every retry (also `Airlock-Event-Id`); de-duplicate on it' },
      type: { type: 'string', enum: [...WEBHOOK_EVENTS] },
      created_at: { type: 'string', format: 'date-time', description: 'When the status changed' },
      file: { ...ref('File'), description: 'The file as GET /files/:id shows it when the delivery is made' },
    },
  },
};

const errorBody = (description: string): Response => ({ description, content: { 'application/json': { schema: ref('Error') } } });

/** Answers shared by many operations. tus protocol errors from @tus/server are plain text. */
export const responses: Record<string, Response> = {
  BadRequest: errorBody('Malformed request'),
  Unauthorized: {
    ...errorBody('No valid token'),
    headers: { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } } },
  },
  Forbidden: errorBody('A valid token without the admin role'),
  NotFound: errorBody("No such resource, or another user's (never 403)"),
  Conflict: errorBody('Not possible in the resource’s current status'),
  Gone: errorBody('The upload expired, was terminated or rejected'),
  RateLimited: {
    ...errorBody('More than RATE_LIMIT_PER_MINUTE requests in a minute'),
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
  },
  TusError: { description: 'A tus protocol error', content: { 'text/plain': { schema: { type: 'string' } } } },
};

export const securitySchemes: Record<string, SecurityScheme> = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: '`sub` is the user id; `role: "admin"` grants admin endpoints and every user’s files',
  },
  adminCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'airlock_admin_token',
    description: 'set by /admin/queues?token=<admin JWT>; HttpOnly, SameSite=Strict, Path=/admin',
  },
  adminQueryToken: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'once, from a browser: answered with the cookie and a 303 to the same URL without it',
  },
};

const SHARED_CODES = { BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, Gone: 410, RateLimited: 429 } as const;

/** References to shared answers by name, keyed by their status code. */
export function shared(...names: (keyof typeof SHARED_CODES)[]): Responses {
  return Object.fromEntries(names.map((name) => [String(SHARED_CODES[name]), { $ref: `#/components/responses/${name}` }]));
}
