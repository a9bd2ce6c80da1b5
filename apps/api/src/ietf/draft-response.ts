import type { ServerResponse } from 'node:http';
import type { UploadView } from '@airlock/core';
import type { InteropVersion } from './interop-version.js';
import { completedUpload, mismatchingOffset, type Problem } from './problem-details.js';

/** One draft request on its way through the tus layer. */
export interface DraftExchange {
  version: InteropVersion;
  method: string;
  /** `Upload-Offset` as the client sent it (PATCH). */
  providedOffset?: number;
  /** Set when a draft rule refused the request: the answer's body, whatever the route wrote. */
  problem?: Problem;
  /** The upload's length as this request declares it (after translation), when it does. */
  length?: number;
  /** `Upload-Limit` (interop version 6). */
  limit: string;
}

type HeaderArg = Record<string, unknown> | unknown[] | undefined;

/**
 * Turns the tus answer of the shared route into the draft's answer, at the moment its head is
 * written (whoever writes it: @tus/server through srvx, the route, the error handler):
 * - no `Tus-*` headers; `Upload-Draft-Interop-Version` and `Upload-Complete` on every success;
 * - HEAD answers 204 (drafts -01 and -02 allowed only 204, -03 on allow 200 too; tusd and the
 *   draft's examples use 204);
 * - a wrong offset is the `mismatching-upload-offset` problem, an append to a finished upload
 *   the `completed-upload` problem, a broken length rule `inconsistent-upload-length`.
 */
type Answer = ServerResponse & { locals?: { upload?: UploadView } };

export function translateResponse(res: Answer, exchange: DraftExchange): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let replacement: Buffer | undefined;

  // writeHead(status, [reason], [headers]); the reason phrase is Node's for the final status.
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    applyHeaders(res, (typeof rest[0] === 'string' ? rest[1] : rest[0]) as HeaderArg);
    const problem = exchange.problem ?? problemOf(res, exchange, status);
    if (problem) {
      replacement = Buffer.from(JSON.stringify(problem.body));
      for (const name of res.getHeaderNames()) if (name.startsWith('upload-') || name === 'content-length') res.removeHeader(name);
      for (const [name, value] of Object.entries(problem.headers ?? {})) res.setHeader(name, value);
      res.setHeader('Content-Type', 'application/problem+json');
      res.setHeader('Content-Length', replacement.length);
      status = problem.status;
    } else if (status < 300) {
      status = successHeaders(res, exchange, status);
    }
    // draft: a 413 for a limit "SHOULD include the Upload-Limit header field".
    if (status === 413 && exchange.version >= 6) res.setHeader('Upload-Limit', exchange.limit);
    // tus's own headers; `Upload-Metadata` is a tus header too (the draft carries none).
    for (const name of ['tus-resumable', 'tus-version', 'upload-defer-length', 'upload-metadata']) res.removeHeader(name);
    res.setHeader('Upload-Draft-Interop-Version', String(exchange.version));
    return writeHead(status);
  }) as typeof res.writeHead;

  res.write = ((...args: unknown[]) => {
    if (!res.headersSent) res.writeHead(res.statusCode);
    return replacement ? true : write(...args);
  }) as typeof res.write;

  res.end = ((...args: unknown[]) => {
    if (!res.headersSent) res.writeHead(res.statusCode);
    if (!replacement) return end(...args);
    const callback = args.find((arg) => typeof arg === 'function');
    return end(replacement, callback);
  }) as typeof res.end;
}

function problemOf(res: Answer, exchange: DraftExchange, status: number): Problem | undefined {
  if (exchange.method !== 'PATCH') return undefined;
  // draft-06: "If the upload is already complete, the server MUST NOT modify the upload
  // resource and MUST reject the request" (-04: "… with a 400"; the rule went in 2026). The tus
  // route answered 409 or 413. An empty `Upload-Complete: ?1` at the final offset (the route's
  // 204) is a client retrying a lost final response: the server "can choose to replay" it.
  if (res.locals?.upload?.upload.status === 'finished' && (status === 409 || status === 413)) return completedUpload();
  if (status === 409 && exchange.providedOffset !== undefined) {
    const expected = Number(res.getHeader('upload-offset'));
    if (Number.isInteger(expected)) return mismatchingOffset(expected, exchange.providedOffset);
  }
  return undefined;
}

/** `Upload-Complete`, `Upload-Limit`; 200 → 204 for HEAD. Returns the status to send. */
function successHeaders(res: Answer, exchange: DraftExchange, status: number): number {
  if (exchange.version >= 6) res.setHeader('Upload-Limit', withLifetime(exchange, res.getHeader('upload-expires')));
  if (exchange.method === 'OPTIONS' || exchange.method === 'DELETE') return status;
  if (exchange.method === 'GET') return offsetOnGet(res, status);
  if (!res.hasHeader('upload-offset') && exchange.method === 'POST') res.setHeader('Upload-Offset', '0');
  const offset = res.getHeader('upload-offset');
  // tus answers a POST or PATCH without Upload-Length: the length is the request's or the upload's.
  const length = res.getHeader('upload-length') ?? exchange.length ?? res.locals?.upload?.upload.totalSize ?? undefined;
  if (offset !== undefined) res.setHeader('Upload-Complete', length !== undefined && String(length) === String(offset) ? '?1' : '?0');
  if (exchange.method !== 'HEAD') return status;
  res.removeHeader('content-length');
  return 204;
}

/**
 * `Upload-Limit` with the upload's remaining lifetime, from the `Upload-Expires` the tus route
 * set (open uploads only): `expires` in interop version 6, renamed `max-age` in 7.
 */
function withLifetime(exchange: DraftExchange, expires: unknown): string {
  const at = typeof expires === 'string' ? Date.parse(expires) : Number.NaN;
  if (Number.isNaN(at)) return exchange.limit;
  const seconds = Math.max(0, Math.floor((at - Date.now()) / 1000));
  return `${exchange.limit}, ${exchange.version >= 7 ? 'max-age' : 'expires'}=${seconds}`;
}

/**
 * Interop version 8: the offset may be retrieved with GET too, with the headers of HEAD; the
 * body stays Airlock's upload status (draft: "Its meaning is not defined by this protocol").
 */
function offsetOnGet(res: Answer, status: number): number {
  const upload = res.locals?.upload?.upload;
  if (!upload) return status;
  res.setHeader('Upload-Offset', String(upload.status === 'finished' ? (upload.totalSize ?? upload.bytesReceived) : upload.bytesReceived));
  if (upload.totalSize !== null) res.setHeader('Upload-Length', String(upload.totalSize));
  res.setHeader('Upload-Complete', upload.status === 'finished' ? '?1' : '?0');
  return status;
}

/** The headers handed to writeHead, merged into the response's own so they can be changed. */
function applyHeaders(res: ServerResponse, headers: HeaderArg): void {
  if (!headers) return;
  if (Array.isArray(headers)) {
    const pairs = Array.isArray(headers[0]) ? (headers as [string, string][]) : chunkPairs(headers as string[]);
    const grouped = new Map<string, string[]>();
    for (const [name, value] of pairs) grouped.set(name, [...(grouped.get(name) ?? []), String(value)]);
    for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0]! : values);
    return;
  }
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value as string);
}

function chunkPairs(flat: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}
