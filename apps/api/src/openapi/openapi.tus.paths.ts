import { shared } from './openapi.components.js';
import type { Parameter, PathItem, Schema } from './openapi.types.js';

const header = (name: string, description: string, required = false, schema: Schema = { type: 'string' }): Parameter => ({
  name,
  in: 'header',
  required,
  description,
  schema,
});
const uploadId: Parameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{32}$' }, description: 'upload id' };
const tusResumable = header('Tus-Resumable', 'protocol version', true, { type: 'string', const: '1.0.0' });
const offsetHeader = { 'Upload-Offset': { schema: { type: 'integer' }, description: 'bytes the server has' } };
const expiresHeader = { 'Upload-Expires': { schema: { type: 'string' }, description: 'RFC 9110 date; moves with each accepted chunk' } };
const tusError = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
/** Refused by Airlock before tus (JSON) or by @tus/server (plain text). */
const anyError = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } }, 'text/plain': { schema: { type: 'string' } } },
});

/** tus 1.0.0 at `/uploads` (contract section 5), as tus.routes.ts serves it. */
export const tusPaths: Record<string, PathItem> = {
  '/uploads': {
    options: {
      operationId: 'tusOptions',
      tags: ['tus'],
      summary: 'tus capabilities',
      security: [],
      responses: {
        '204': {
          description: 'Versions, extensions and limits',
          headers: {
            'Tus-Version': { schema: { type: 'string', examples: ['1.0.0'] } },
            'Tus-Extension': {
              schema: { type: 'string', examples: ['creation,creation-with-upload,creation-defer-length,expiration,checksum,termination,concatenation'] },
            },
            'Tus-Max-Size': { schema: { type: 'integer' }, description: 'MAX_UPLOAD_SIZE' },
            'Tus-Checksum-Algorithm': { schema: { type: 'string', examples: ['sha1,md5,sha256'] } },
            'Airlock-Chunk-Size': {
              schema: { type: 'integer' },
              description: 'CHUNK_SIZE: the bytes per PATCH clients should send (also chunk_size in POST and GET /uploads/:id answers)',
            },
            'Airlock-Checksum-Max-Chunk-Size': {
              schema: { type: 'integer' },
              description: 'CHECKSUM_MAX_CHUNK_BYTES: the largest chunk that may carry Upload-Checksum or Content-MD5',
            },
          },
        },
      },
    },
    post: {
      operationId: 'createUpload',
      tags: ['tus'],
      summary: 'Create an upload (creation, creation-with-upload, creation-defer-length, concatenation)',
      parameters: [
        tusResumable,
        header('Upload-Length', 'total size in bytes', false, { type: 'integer', minimum: 0 }),
        header('Upload-Defer-Length', 'the size is declared by a later PATCH', false, { type: 'integer', const: 1 }),
        header(
          'Upload-Metadata',
          'comma list of `key base64(value)`; keys read: filename (or name), filetype (or type), sha256 (hex SHA-256 of the whole file)',
        ),
        header('Upload-Concat', '`partial`, or `final;<upload URL> <upload URL>…`'),
        header('Upload-Checksum', '`<algorithm> <base64 digest>` of a body sent with the creation'),
      ],
      requestBody: {
        required: false,
        description: 'creation-with-upload: the first bytes',
        content: { 'application/offset+octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
      },
      responses: {
        '201': {
          description: 'Created',
          headers: {
            Location: { schema: { type: 'string', format: 'uri-reference' }, description: 'on PUBLIC_URL, else relative to the server' },
            ...expiresHeader,
            ...offsetHeader,
          },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/UploadCreated' } } },
        },
        '400': anyError(
          'Malformed Upload-Metadata, metadata over MAX_METADATA_BYTES / MAX_METADATA_KEYS, a sha256 that is not 64 hex characters, or a bad Upload-Concat',
        ),
        '410': anyError(
          'Upload-Concat: final only: a partial upload expired, or the final upload was deleted while its bytes were being assembled (written under its own upload lock)',
        ),
        '412': tusError('Unsupported Tus-Resumable'),
        '413': anyError('Upload-Length above MAX_UPLOAD_SIZE or the remaining quota'),
        '415': tusError('The first bytes show a type outside ALLOWED_TYPES (creation-with-upload)'),
        '460': tusError('Upload-Checksum mismatch'),
        ...shared('Unauthorized', 'RateLimited'),
        '429': anyError('Rate limit, MAX_OPEN_UPLOADS or MAX_CONCURRENT_PATCHES_PER_USER reached'),
      },
    },
  },
  '/uploads/{id}': {
    parameters: [uploadId],
    options: {
      operationId: 'tusOptionsUpload',
      tags: ['tus'],
      summary: 'tus capabilities (on an upload URL)',
      security: [],
      responses: { '204': { description: 'As OPTIONS /uploads' } },
    },
    head: {
      operationId: 'uploadOffset',
      tags: ['tus'],
      summary: 'Where to resume',
      parameters: [tusResumable],
      responses: {
        '200': {
          description: 'The server’s offset',
          headers: {
            ...offsetHeader,
            'Upload-Length': { schema: { type: 'integer' } },
            'Upload-Defer-Length': { schema: { type: 'integer', const: 1 } },
            'Upload-Metadata': {
              schema: { type: 'string' },
              description: 'as given at creation; once finished, the keys Airlock keeps (filename, filetype, sha256)',
            },
            ...expiresHeader,
            'Cache-Control': { schema: { type: 'string', const: 'no-store' } },
          },
        },
        ...shared('Unauthorized', 'NotFound', 'Gone', 'RateLimited'),
      },
    },
    patch: {
      operationId: 'appendChunk',
      tags: ['tus'],
      summary: 'Append bytes at Upload-Offset (serialised per upload across every API process)',
      parameters: [
        tusResumable,
        header('Upload-Offset', 'must equal the server’s offset', true, { type: 'integer', minimum: 0 }),
        header('Upload-Checksum', '`<sha1|md5|sha256> <base64 digest>` of this chunk'),
        header('Content-MD5', 'base64 MD5 of this chunk'),
        header('Upload-Length', 'declares a deferred length', false, { type: 'integer', minimum: 0 }),
      ],
      requestBody: {
        required: true,
        content: { 'application/offset+octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
      },
      responses: {
        '204': { description: 'Accepted', headers: { ...offsetHeader, ...expiresHeader } },
        '400': anyError('Upload-Offset missing or malformed, or Content-MD5 mismatch (nothing of the chunk is kept)'),
        '409': { ...tusError('Wrong Upload-Offset'), headers: offsetHeader },
        '413': anyError('Past the length (a finished upload included), MAX_UPLOAD_SIZE, the quota, or a checksummed chunk over CHECKSUM_MAX_CHUNK_BYTES'),
        '415': tusError('The first bytes show a type outside ALLOWED_TYPES; the upload is now rejected'),
        '460': tusError('Upload-Checksum mismatch (nothing of the chunk is kept)'),
        '503': anyError('The checksum spool of this process is full (Retry-After), or a dependency is unavailable'),
        ...shared('Unauthorized', 'NotFound', 'Gone', 'RateLimited'),
        '429': anyError('Rate limit or MAX_CONCURRENT_PATCHES_PER_USER reached (Retry-After)'),
      },
    },
    delete: {
      operationId: 'terminateUpload',
      tags: ['tus'],
      summary: 'Terminate: an open upload becomes failed / terminated and its bytes are removed; a finished one’s file is deleted as by DELETE /files/{id}',
      parameters: [tusResumable],
      responses: {
        '204': { description: 'Terminated' },
        ...shared('Unauthorized', 'NotFound', 'Gone', 'RateLimited'),
      },
    },
    get: {
      operationId: 'uploadStatus',
      tags: ['tus'],
      summary: 'Where the upload and its file stand (Airlock’s, not tus’s GET)',
      responses: {
        '200': { description: 'Status', content: { 'application/json': { schema: { $ref: '#/components/schemas/UploadStatus' } } } },
        ...shared('Unauthorized', 'NotFound', 'Gone', 'RateLimited'),
      },
    },
  },
};
