import { AppError } from '@airlock/core';
import type { Request } from 'express';
import { Metadata } from '@tus/utils';
import { parse as parseDisposition } from 'content-disposition';
import { hasBody } from '../http/connection-hygiene.middleware.js';
import type { InteropVersion } from './interop-version.js';
import { inconsistentLength, type Problem } from './problem-details.js';
import { DRAFT_PROTOCOL, PROTOCOL_KEY } from './protocol-marker.js';

/** A draft rule broken before anything was touched: answered as the problem, or as the AppError. */
export class DraftRefusal extends Error {
  constructor(readonly problem: Problem) {
    super(problem.body.detail ?? problem.body.title);
    this.name = 'DraftRefusal';
  }
}

const TUS_BODY = 'application/offset+octet-stream';
export const PARTIAL_UPLOAD = 'application/partial-upload';
const DIGITS = /^\d{1,15}$/;

/**
 * Sets (or, with undefined, removes) a request header in both of Node's views of it:
 * `headers` (Express, our routes) and `rawHeaders` (srvx builds @tus/server's Fetch headers
 * from it).
 */
export function setRequestHeader(req: Request, name: string, value: string | undefined): void {
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== name) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  if (value === undefined) delete req.headers[name];
  else {
    req.headers[name] = value;
    raw.push(name, value);
  }
  req.rawHeaders = raw;
}

function lengthHeader(req: Request, name: 'upload-length' | 'content-length' | 'upload-offset'): number | undefined {
  const value = req.get(name);
  if (value === undefined) return undefined;
  if (!DIGITS.test(value)) throw new AppError('E_BAD_REQUEST', `${name} must be a non-negative integer`);
  return Number(value);
}

/**
 * Upload creation (draft "Upload Creation"), rewritten as the tus creation @tus/server
 * serves: the length comes from `Upload-Length`, or from `Content-Length` when the request
 * says it is complete, else it is deferred; the body (any media type: it is the
 * representation) is handed over as a tus chunk; the file's name and type come from
 * `Upload-Metadata` (tus-js-client sends it in draft modes too), else `Content-Disposition`
 * and `Content-Type`.
 */
export function translateCreation(req: Request, complete: boolean): void {
  if (req.headers['upload-concat'] !== undefined) throw new AppError('E_BAD_REQUEST', 'Upload-Concat is tus concatenation, not part of the draft');
  const declared = lengthHeader(req, 'upload-length');
  const contentLength = lengthHeader(req, 'content-length');
  let length = declared;
  if (complete) {
    if (declared !== undefined && contentLength !== undefined && declared !== contentLength) {
      throw new DraftRefusal(inconsistentLength(`Upload-Complete: ?1 with Upload-Length ${declared} but a body of ${contentLength} bytes`));
    }
    length ??= contentLength;
    if (length === undefined) throw new AppError('E_BAD_REQUEST', 'Upload-Complete: ?1 with a body of unknown length needs Upload-Length');
  }
  setRequestHeader(req, 'upload-length', length === undefined ? undefined : String(length));
  setRequestHeader(req, 'upload-defer-length', length === undefined ? '1' : undefined);
  setRequestHeader(req, 'upload-metadata', creationMetadata(req));
  setRequestHeader(req, 'content-type', hasBody(req) ? TUS_BODY : undefined);
}

function creationMetadata(req: Request): string {
  const sent = req.get('upload-metadata');
  const metadata = parseMetadata(sent);
  const type = req.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type && hasBody(req) && type !== PARTIAL_UPLOAD && type !== TUS_BODY && !metadata.filetype && !metadata.type) metadata.filetype = type;
  const disposition = req.get('content-disposition');
  if (disposition && !metadata.filename && !metadata.name) {
    try {
      const filename = parseDisposition(disposition).parameters.filename;
      if (filename) metadata.filename = filename;
    } catch {
      throw new AppError('E_BAD_REQUEST', 'Content-Disposition is malformed');
    }
  }
  metadata[PROTOCOL_KEY] = DRAFT_PROTOCOL;
  return Metadata.stringify(metadata);
}

function parseMetadata(sent: string | undefined): Record<string, string | null> {
  try {
    return sent ? Metadata.parse(sent) : {};
  } catch {
    throw new AppError('E_BAD_REQUEST', 'Upload-Metadata is malformed');
  }
}

/**
 * Upload append (draft "Upload Append"), rewritten as a tus PATCH. Interop version 6 requires
 * `Content-Type: application/partial-upload` (415 otherwise); 5 takes any. A request that
 * completes the upload declares its length (offset + body) the way tus declares a deferred
 * one; the route drops that again when the upload's length is already known and equal.
 */
export function translateAppend(req: Request, version: InteropVersion, complete: boolean): void {
  const type = req.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (version >= 6 && type !== PARTIAL_UPLOAD) {
    throw new AppError('E_UNSUPPORTED_MEDIA_TYPE', `interop version ${version}: an append must be sent with Content-Type: ${PARTIAL_UPLOAD}`);
  }
  setRequestHeader(req, 'content-type', TUS_BODY);
  setRequestHeader(req, 'upload-defer-length', undefined);
  const offset = lengthHeader(req, 'upload-offset');
  const declared = lengthHeader(req, 'upload-length');
  // Incomplete: an Upload-Length the client sends early is declared as tus declares it.
  if (!complete || offset === undefined) return;
  const contentLength = lengthHeader(req, 'content-length');
  const end = contentLength === undefined ? undefined : offset + contentLength;
  if (declared !== undefined && end !== undefined && declared !== end) {
    throw new DraftRefusal(
      inconsistentLength(`Upload-Complete: ?1 at offset ${offset} with ${contentLength} bytes ends at ${end}, not at Upload-Length ${declared}`),
    );
  }
  const length = declared ?? end;
  if (length === undefined) throw new AppError('E_BAD_REQUEST', 'Upload-Complete: ?1 with a body of unknown length needs Upload-Length');
  setRequestHeader(req, 'upload-length', String(length));
}
