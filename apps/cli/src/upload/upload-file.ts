import fs from 'node:fs';
import path from 'node:path';
import type { FileStatus } from '@airlock/core';
import * as tus from 'tus-js-client';
import type { ApiClient } from '../api-client.js';
import type { UploadJson } from '../api-types.js';
import { CliError, asCliError, errorFromNetwork, errorFromResponse, type ErrorDoc } from '../errors.js';
import type { ProgressBar } from '../progress/progress-display.js';
import { waitForTerminal } from '../wait-for-status.js';
import { sha256OfFile } from './hash-file.js';
import { guessMediaType } from './media-type.js';
import { throttledFileReader, type RateLimiter } from './rate-limit.js';
import './tus-protocol.js';
import type { JsonStateStore } from './state-store.js';

/** `--protocol`: tus 1.0, or the IETF draft in tus-js-client's two modes (interop versions 5 and 6). */
export const PROTOCOLS = ['tus', 'ietf-draft-03', 'ietf-draft-05'] as const;
export type UploadProtocol = (typeof PROTOCOLS)[number];

export interface UploadSettings {
  client: ApiClient;
  store: JsonStateStore;
  /** The token's subject: part of the resume key, so two users never resume each other's upload. */
  user: string;
  chunkSize: number;
  sha256: boolean;
  limiter: RateLimiter | null;
  /** With `--wait`: poll until the status is terminal. */
  waitTimeoutMs: number | null;
  signal: AbortSignal;
  /** The server refuses to continue an upload in another protocol (412), so it is part of the resume key. */
  protocol: UploadProtocol;
}

/** One element of `airlock upload --json`'s `uploads` (documented in the README). */
export interface UploadResult {
  path: string;
  filename: string;
  size: number | null;
  upload_id: string | null;
  file_id: string | null;
  /** The offset this run continued from (its first PATCH's `Upload-Offset`); null for a new upload. */
  resumed_from: number | null;
  status: FileStatus | null;
  failure_reason: string | null;
  sha256: string | null;
  error: ErrorDoc | null;
}

/**
 * Retry for as long as the connection keeps coming back: the counter restarts whenever a retry
 * moved the offset, so these delays bound one outage, not the whole upload.
 */
const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000];

/** Uploads one file; never throws: a failure is the result's `error`. */
export async function uploadFile(file: string, settings: UploadSettings, bar: ProgressBar): Promise<UploadResult> {
  const absolute = path.resolve(file);
  const result: UploadResult = {
    path: file,
    filename: path.basename(file),
    size: null,
    upload_id: null,
    file_id: null,
    resumed_from: null,
    status: null,
    failure_reason: null,
    sha256: null,
    error: null,
  };
  try {
    const stat = await statFile(file, absolute);
    result.size = stat.size;
    // Path + size + mtime: an edited file is a new upload; plus the server, the user and the protocol.
    const protocol = settings.protocol === 'tus' ? [] : [settings.protocol];
    const fingerprint = [settings.client.baseUrl, settings.user, absolute, stat.size, Math.trunc(stat.mtimeMs), ...protocol].join('|');
    const [previous] = await settings.store.findUploadsByFingerprint(fingerprint);
    // A resumed upload already has its metadata on the server: no second read for the hash.
    const metadata = previous?.metadata ?? (await metadataFor(absolute, stat.size, settings, bar));
    result.sha256 = metadata.sha256 ?? null;

    bar.phase(previous ? 'resuming' : 'uploading');
    await transfer(absolute, fingerprint, metadata, previous ?? null, settings, bar, result);
    const uploadId = result.upload_id!;

    let upload = await settings.client.json<UploadJson>('GET', `/uploads/${uploadId}`);
    if (settings.waitTimeoutMs !== null) {
      let shown = '';
      upload = await waitForTerminal(settings.client, uploadId, {
        timeoutMs: settings.waitTimeoutMs,
        signal: settings.signal,
        onStatus: ({ status }) => {
          if (status !== shown) bar.phase((shown = status));
        },
      });
    }
    Object.assign(result, { file_id: upload.file_id, status: upload.status, failure_reason: upload.failure_reason });
  } catch (error) {
    result.error = (settings.signal.aborted ? interrupted() : asCliError(error)).toDoc();
  }
  return result;
}

async function statFile(file: string, absolute: string): Promise<fs.Stats> {
  try {
    const stat = await fs.promises.stat(absolute);
    if (!stat.isFile()) throw new CliError(`${file}: not a regular file`);
    return stat;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/**
 * `filename`, `filetype` (from the extension, left out when unknown: the server reads the type
 * from the bytes anyway) and, with --sha256, the file's SHA-256 read once before the upload.
 */
async function metadataFor(absolute: string, size: number, settings: UploadSettings, bar: ProgressBar): Promise<Record<string, string>> {
  const metadata: Record<string, string> = { filename: path.basename(absolute) };
  const type = guessMediaType(absolute);
  if (type) metadata.filetype = type;
  if (settings.sha256) {
    bar.phase('hashing');
    metadata.sha256 = await sha256OfFile(absolute, (read) => bar.update(read, size), settings.signal);
  }
  return metadata;
}

function transfer(
  absolute: string,
  fingerprint: string,
  metadata: Record<string, string>,
  previous: tus.PreviousUpload | null,
  settings: UploadSettings,
  bar: ProgressBar,
  /** Gets `upload_id` as soon as the upload exists and `resumed_from` at the first PATCH, so a failure later still names them. */
  result: UploadResult,
): Promise<void> {
  let created = false;
  let patched = false;
  const base = tus.defaultOptions.fileReader;
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(fs.createReadStream(absolute), {
      endpoint: `${settings.client.baseUrl}/uploads`,
      protocol: settings.protocol === 'tus' ? 'tus-v1' : settings.protocol,
      headers: settings.client.authHeaders(),
      chunkSize: settings.chunkSize,
      retryDelays: RETRY_DELAYS,
      metadata,
      fingerprint: async () => fingerprint,
      urlStorage: settings.store,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      fileReader: settings.limiter ? throttledFileReader(base, settings.limiter) : base,
      onBeforeRequest(req) {
        if (req.getMethod() === 'POST') created = true;
        if (req.getMethod() !== 'PATCH' || patched) return;
        patched = true;
        // Continuing an upload of an earlier run (a stored URL the server still knew: no POST).
        if (previous && !created) result.resumed_from = Number(req.getHeader('Upload-Offset'));
      },
      onUploadUrlAvailable: () => (result.upload_id = idOf(upload.url!)),
      onProgress: (sent, total) => bar.update(sent, total),
      onShouldRetry(error) {
        // No answer at all (a dropped connection), a server error, a conflicting offset (tus
        // re-reads it with HEAD), a lock, or the rate limit: all pass. Other 4xx are final.
        const status = error.originalResponse?.getStatus() ?? 0;
        return status === 0 || status >= 500 || [409, 423, 429].includes(status);
      },
      onSuccess: () => {
        settings.signal.removeEventListener('abort', onAbort);
        result.upload_id = idOf(upload.url!);
        // A stored upload that had all its bytes already answers HEAD with offset = length: no PATCH.
        if (previous && !created && !patched) result.resumed_from = Number(previous.size);
        resolve();
      },
      onError: (error) => {
        settings.signal.removeEventListener('abort', onAbort);
        reject(tusError(error, settings.client.baseUrl));
      },
    });
    const onAbort = () => {
      // Not terminated: the stored URL stays, so the next run resumes.
      void upload.abort(false);
      reject(interrupted());
    };
    if (settings.signal.aborted) return onAbort();
    settings.signal.addEventListener('abort', onAbort, { once: true });
    if (previous) upload.resumeFromPreviousUpload(previous);
    upload.start();
  });
}

const idOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

function tusError(error: Error | tus.DetailedError, baseUrl: string): CliError {
  if (!(error instanceof tus.DetailedError)) return new CliError(error.message, { cause: error });
  const response = error.originalResponse;
  const request = error.originalRequest;
  const what = `${request.getMethod()} ${new URL(request.getURL()).pathname}`;
  if (response) return errorFromResponse(response.getStatus(), response.getBody(), what);
  return errorFromNetwork({ cause: error.causingError ?? undefined, message: error.message }, baseUrl);
}

function interrupted(): CliError {
  return new CliError('interrupted', { hint: 'run the same command again to resume' });
}
