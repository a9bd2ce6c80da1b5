import { shared } from './openapi.components.js';
import type { Parameter, PathItem, Response, SecurityRequirement } from './openapi.types.js';

const json = (name: string, description: string): Response => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
});
const fileId: Parameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{32}$' }, description: 'file id' };
const noAuth: SecurityRequirement[] = [];

/** The files API (contract section 6), as files.routes.ts and downloads.routes.ts serve it. */
export const filesPaths: Record<string, PathItem> = {
  '/files': {
    get: {
      operationId: 'listFiles',
      tags: ['files'],
      summary: 'Own files, newest first (admin: every owner’s, or one owner’s with owner_id)',
      parameters: [
        { name: 'status', in: 'query', schema: { $ref: '#/components/schemas/FileStatus' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page' },
        { name: 'owner_id', in: 'query', schema: { type: 'string' }, description: 'admin tokens only' },
        {
          name: 'include_deleted',
          in: 'query',
          schema: { type: 'boolean', default: false },
          description: 'admin tokens only: deleted files too (with deleted_at, purged_at)',
        },
      ],
      responses: { '200': json('FileList', 'A page of files'), ...shared('BadRequest', 'Unauthorized', 'RateLimited') },
    },
  },
  '/files/{id}': {
    parameters: [fileId],
    get: {
      operationId: 'getFile',
      tags: ['files'],
      summary: 'One file, with its latest scan (admin: deleted files too, with deleted_at, purged_at and scan_audit)',
      responses: { '200': json('File', 'The file'), ...shared('Unauthorized', 'NotFound', 'RateLimited') },
    },
    delete: {
      operationId: 'deleteFile',
      tags: ['files'],
      summary:
        'Delete, wherever the file is: bytes removed, quota freed; a file still uploading or in the pipeline ends failed / terminated first. quarantined, rejected and scan_failed files are only hidden from their owner: bytes and row stay until QUARANTINE_RETENTION_SECONDS ends',
      responses: { '204': { description: 'Deleted' }, ...shared('Unauthorized', 'NotFound', 'RateLimited') },
    },
  },
  '/files/{id}/download-url': {
    parameters: [fileId],
    post: {
      operationId: 'createDownloadUrl',
      tags: ['files'],
      summary: 'A signed URL (local backend: this service, HMAC; S3: presigned); complete files only',
      requestBody: { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/DownloadUrlRequest' } } } },
      responses: { '200': json('DownloadUrl', 'The URL'), ...shared('BadRequest', 'Unauthorized', 'NotFound', 'Conflict', 'RateLimited') },
    },
  },
  '/downloads/{id}': {
    parameters: [fileId],
    get: {
      operationId: 'download',
      tags: ['files'],
      summary: 'A signed download of the local backend (the signature is the credential; HEAD too)',
      security: noAuth,
      parameters: [
        { name: 'expires', in: 'query', required: true, schema: { type: 'integer' }, description: 'unix seconds' },
        { name: 'sig', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'Range', in: 'header', schema: { type: 'string', examples: ['bytes=0-1023'] } },
        // RFC 9110 §13, evaluated in the order of §13.2.2.
        { name: 'If-Match', in: 'header', schema: { type: 'string' }, description: 'strong comparison; `*` matches' },
        { name: 'If-None-Match', in: 'header', schema: { type: 'string' }, description: 'weak comparison (`W/` tags match); `*` matches' },
        { name: 'If-Modified-Since', in: 'header', schema: { type: 'string' }, description: 'ignored with If-None-Match' },
        { name: 'If-Unmodified-Since', in: 'header', schema: { type: 'string' }, description: 'ignored with If-Match' },
        {
          name: 'If-Range',
          in: 'header',
          schema: { type: 'string' },
          description: 'an entity tag (strong comparison) or the exact Last-Modified; otherwise 200 with the whole body',
        },
      ],
      responses: {
        '200': {
          description: 'The bytes, with Content-Type as detected, Content-Disposition: attachment, X-Content-Type-Options: nosniff',
          headers: {
            ETag: { schema: { type: 'string' } },
            'Last-Modified': { schema: { type: 'string' } },
            'Accept-Ranges': { schema: { type: 'string', const: 'bytes' } },
          },
          content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
        },
        '206': { description: 'The requested range', headers: { 'Content-Range': { schema: { type: 'string' } } } },
        '304': { description: 'If-None-Match matched the ETag, or (without If-None-Match) not modified since If-Modified-Since' },
        '412': { description: 'If-Match did not match, or (without If-Match) modified since If-Unmodified-Since' },
        '403': { $ref: '#/components/responses/Forbidden', description: 'Expired or altered URL' },
        '416': { description: 'Range not satisfiable' },
        ...shared('NotFound'),
      },
    },
  },
  '/me': {
    get: {
      operationId: 'me',
      tags: ['files'],
      summary: 'The caller’s quota and usage',
      responses: { '200': json('Me', 'Quota and usage in bytes'), ...shared('Unauthorized', 'RateLimited') },
    },
  },
};

/** Operations (contract section 7), as health.routes.ts, ops.routes.ts and admin/ serve them. */
export const opsPaths: Record<string, PathItem> = {
  '/healthz': {
    get: { operationId: 'health', tags: ['operations'], summary: 'The process runs', security: noAuth, responses: { '200': json('Health', 'Alive') } },
  },
  '/readyz': {
    get: {
      operationId: 'ready',
      tags: ['operations'],
      summary: 'The database, Redis and storage answered (storage read-only); clamd reported, not required',
      security: noAuth,
      responses: { '200': json('Readiness', 'Ready'), '503': json('Readiness', 'A required dependency did not answer') },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (airlock_*, plus process and Node.js defaults)',
      security: noAuth,
      responses: { '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      tags: ['operations'],
      summary: 'This document',
      security: noAuth,
      responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/admin/queues': {
    get: {
      operationId: 'queuesDashboard',
      tags: ['operations'],
      summary: 'The BullMQ dashboard (bull-board) over every queue; its assets and API live below this path',
      description:
        'Every answer below this path carries a CSP, X-Frame-Options: DENY, nosniff and Referrer-Policy: no-referrer. ' +
        'Writes below it (any method but GET/HEAD/OPTIONS) authenticated by the cookie or ?token= need Sec-Fetch-Site: same-origin or a same-origin Origin, else 403.',
      security: [{ bearerAuth: [] }, { adminCookie: [] }, { adminQueryToken: [] }],
      responses: {
        '200': { description: 'The dashboard', content: { 'text/html': { schema: { type: 'string' } } } },
        '303': {
          description: 'After ?token=: the cookie is set, the same URL without the token follows',
          headers: { 'Set-Cookie': { schema: { type: 'string' } } },
        },
        ...shared('Unauthorized', 'Forbidden'),
      },
    },
  },
};
