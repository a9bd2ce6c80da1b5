import type { Header, Operation, Parameter, PathItem, Response, Schema } from './openapi.types.js';

/**
 * Resumable Uploads for HTTP (draft-ietf-httpbis-resumable-upload, interop versions 5–8) on the
 * same operations as tus (apps/api/src/ietf): a request with `Upload-Draft-Interop-Version` is
 * served by the draft's rules instead of tus's. Added onto the tus paths here so that each
 * protocol's document stays in one file.
 */
const param = (name: string, description: string, schema: Schema = { type: 'string' }): Parameter => ({
  name,
  in: 'header',
  required: false,
  description,
  schema,
});
const interop = param(
  'Upload-Draft-Interop-Version',
  'the IETF draft instead of tus (then no Tus-Resumable): 5 (draft-03), 6 (draft-04/-05), 7 (draft-06/-07) or 8 (draft-08 and later)',
  {
    type: 'integer',
    enum: [5, 6, 7, 8],
  },
);
const complete = param('Upload-Complete', 'draft: `?1` when this request carries the end of the file, else `?0` (required on creation and append)', {
  type: 'string',
  enum: ['?1', '?0'],
});
const draftHeaders: Record<string, Header> = {
  'Upload-Complete': { schema: { type: 'string', enum: ['?1', '?0'] }, description: 'draft: whether the upload is complete' },
  'Upload-Limit': {
    schema: { type: 'string' },
    description: 'draft (interop ≥ 6): `max-size=<MAX_UPLOAD_SIZE>`, with `expires` (6) / `max-age` (≥ 7) seconds left for an open upload',
  },
  'Upload-Draft-Interop-Version': { schema: { type: 'integer' }, description: 'draft: the version of the request, echoed' },
};
const problem = (description: string): Response => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});
const binary: Schema = { type: 'string', contentMediaType: 'application/octet-stream' };

/** Draft additions per operation: parameters, body types, response headers, problem answers. */
const additions: Record<string, { params?: Parameter[]; bodies?: string[]; responses?: Record<string, Response> }> = {
  createUpload: {
    params: [interop, complete, param('Content-Disposition', 'draft: `filename` when Upload-Metadata names none')],
    bodies: ['*/*'],
    responses: {
      '104': {
        description: 'draft: Upload Resumption Supported, sent before a creation body is read',
        headers: { Location: { schema: { type: 'string' } }, ...draftHeaders },
      },
      '400': problem(
        'draft: `inconsistent-upload-length` (Upload-Length ≠ Content-Length with Upload-Complete: ?1); missing or malformed Upload-Complete, unsupported interop version (JSON)',
      ),
    },
  },
  uploadOffset: {
    params: [interop],
    responses: {
      '204': {
        description: 'draft: the offset (tus answers 200)',
        headers: { 'Upload-Offset': { schema: { type: 'integer' } }, 'Upload-Length': { schema: { type: 'integer' } }, ...draftHeaders },
      },
    },
  },
  appendChunk: {
    params: [interop, complete],
    bodies: ['application/partial-upload', '*/*'],
    responses: {
      '400': problem('draft: `completed-upload` (the upload is already complete; nothing changes) or `inconsistent-upload-length`'),
      '409': problem(
        'draft: `mismatching-upload-offset` with `expected-offset` and `provided-offset`; headers Upload-Offset (the server’s) and Upload-Complete: ?0',
      ),
      '412': {
        description: 'The upload was created with the other protocol (tus vs the draft): continue it with the one it was created with',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  },
  terminateUpload: { params: [interop] },
  uploadStatus: {
    params: [interop],
    responses: { '200': { description: 'draft (interop 8 offset retrieval): also Upload-Offset, Upload-Length, Upload-Complete', headers: draftHeaders } },
  },
};

export function withIetfDraft(paths: Record<string, PathItem>): Record<string, PathItem> {
  const result: Record<string, PathItem> = structuredClone(paths);
  for (const item of Object.values(result)) {
    for (const operation of Object.values(item).filter((value): value is Operation => typeof value === 'object' && 'operationId' in value)) {
      const extra = additions[operation.operationId];
      if (!extra) continue;
      operation.parameters = [...(operation.parameters ?? []).map(optionalTusResumable), ...(extra.params ?? [])];
      if (extra.bodies && operation.requestBody) {
        for (const type of extra.bodies) operation.requestBody.content[type] = { schema: binary };
      }
      for (const [status, response] of Object.entries(extra.responses ?? {})) operation.responses[status] = merge(operation.responses[status], response);
    }
  }
  return result;
}

/** Tus-Resumable is required of tus requests only. */
function optionalTusResumable(parameter: Parameter): Parameter {
  return parameter.name === 'Tus-Resumable'
    ? { ...parameter, required: false, description: 'protocol version (tus requests; a draft request sends Upload-Draft-Interop-Version instead)' }
    : parameter;
}

function merge(existing: Operation['responses'][string] | undefined, added: Response): Response {
  if (!existing || '$ref' in existing) return added;
  return {
    description: `${existing.description}; ${added.description}`,
    headers: { ...existing.headers, ...added.headers },
    content: { ...existing.content, ...added.content },
  };
}

/** RFC 9457 problem details, as the draft's problem types use them. */
export const problemSchema: Schema = {
  type: 'object',
  required: ['type', 'title'],
  properties: {
    type: { type: 'string', format: 'uri', examples: ['https://iana.org/assignments/http-problem-types#mismatching-upload-offset'] },
    title: { type: 'string' },
    detail: { type: 'string' },
    'expected-offset': { type: 'integer', description: 'mismatching-upload-offset: the server’s offset' },
    'provided-offset': { type: 'integer', description: 'mismatching-upload-offset: the request’s Upload-Offset' },
  },
};
