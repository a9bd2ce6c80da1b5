import { filesPaths, opsPaths } from './openapi.api.paths.js';
import { responses, schemas, securitySchemes } from './openapi.components.js';
import { problemSchema, withIetfDraft } from './openapi.ietf.js';
import { tusPaths } from './openapi.tus.paths.js';
import type { Document } from './openapi.types.js';

/**
 * `GET /openapi.json`: every endpoint of contract sections 5–7 as the routes implement them.
 * openapi.test.ts holds it against the app's router (each route documented, each documented
 * path and method routed) and validates it as OpenAPI 3.1.
 */
export const openApiDocument: Document = {
  openapi: '3.1.0',
  info: {
    title: 'Airlock',
    version: '1',
    summary: 'Quarantine-first resumable uploads: tus 1.0 in, ClamAV-scanned files out',
    description:
      'Bytes land in quarantine; workers validate the type, verify the SHA-256 and scan with ClamAV before a file is promoted to final storage. ' +
      'Another user’s upload or file answers 404 on every method. Errors outside the tus protocol are `{"error": {"code", "message"}}`.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/', description: 'this service (PUBLIC_URL when set)' }],
  security: [{ bearerAuth: [] }],
  tags: [
    {
      name: 'tus',
      description:
        'tus 1.0.0 with creation, creation-with-upload, creation-defer-length, expiration, checksum, termination, concatenation; ' +
        'and, on the same operations, Resumable Uploads for HTTP (the IETF draft, interop versions 5–8) when a request sends Upload-Draft-Interop-Version',
    },
    { name: 'files', description: 'Files and downloads' },
    { name: 'operations', description: 'Health, readiness, metrics, this document, the queue dashboard' },
  ],
  paths: { ...withIetfDraft(tusPaths), ...filesPaths, ...opsPaths },
  webhooks: {
    fileEvent: {
      post: {
        operationId: 'fileEvent',
        summary: 'A file reached complete or another terminal status (sent when WEBHOOK_URL is set)',
        description:
          'At-least-once: each event is written to an outbox table in the transaction of the status change and delivered from there by the notifier, ' +
          'so no event is lost when Redis or a process fails; retried with exponential backoff (8 attempts) on anything but a 2xx within 10 s; redirects are not followed. ' +
          'Verify `Airlock-Signature: t=<unix>,v1=<hex>`: v1 = HMAC-SHA256 of `<t>.<raw body>` keyed with WEBHOOK_SECRET; refuse t older than 5 minutes. ' +
          'De-duplicate on `Airlock-Event-Id` (= `id` in the body).',
        security: [],
        parameters: [
          { name: 'Airlock-Signature', in: 'header', required: true, schema: { type: 'string', pattern: '^t=\\d+,v1=[0-9a-f]{64}$' } },
          { name: 'Airlock-Event', in: 'header', required: true, schema: { type: 'string' } },
          { name: 'Airlock-Event-Id', in: 'header', required: true, schema: { type: 'string' }, description: '`<file id>.<type>`, the same on every retry' },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookEvent' } } } },
        responses: { '2XX': { description: 'Delivered; anything else is retried' } },
      },
    },
  },
  components: { schemas: { ...schemas, Problem: problemSchema }, responses, securitySchemes },
};
