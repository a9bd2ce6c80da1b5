import fs from 'node:fs';
import path from 'node:path';
import { EXIT, UsageError } from '../errors.js';
import { formatBytes, parseSize } from '../progress/format.js';
import { RateLimiter } from '../upload/rate-limit.js';
import { JsonStateStore } from '../upload/state-store.js';
import { PROTOCOLS, uploadFile, type UploadProtocol, type UploadResult } from '../upload/upload-file.js';
import type { Command } from './command.js';

/** For a server that does not advertise `Airlock-Chunk-Size`: the API's default CHUNK_SIZE. */
const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const FAILED_STATUSES = new Set(['quarantined', 'rejected', 'scan_failed', 'failed']);

export const uploadCommand: Command = {
  name: 'upload',
  summary: 'upload files (resumable, with progress); Ctrl-C and run again to resume',
  usage: 'upload <files…> [--parallel N] [--wait] [--sha256] [--chunk-size 8M] [--limit-rate 20M] [--protocol tus]',
  help: [
    '--parallel N        files uploaded at once (default 2)',
    "--wait              wait for the pipeline's final status; exit 1 unless complete",
    '--wait-timeout S    seconds to wait for it (default 900)',
    '--sha256            read each new file once more first and send its SHA-256: the server',
    '                    then fails the file (checksum_mismatch) unless it got exactly these bytes',
    '--chunk-size SIZE   bytes per PATCH request (default: what the server advertises,',
    '                    its CHUNK_SIZE; 8M if it does not say)',
    '--limit-rate SIZE   total bandwidth per second across all files, e.g. 20M',
    '--protocol NAME     tus (default, tus 1.0), ietf-draft-03 or ietf-draft-05 (the IETF',
    '                    resumable-upload draft, interop version 5 or 6); an upload resumes',
    '                    only with the protocol it was started with',
  ],
  options: {
    parallel: { type: 'string', default: '2' },
    wait: { type: 'boolean', default: false },
    'wait-timeout': { type: 'string', default: '900' },
    sha256: { type: 'boolean', default: false },
    'chunk-size': { type: 'string' },
    'limit-rate': { type: 'string' },
    protocol: { type: 'string', default: 'tus' },
  },
  async run({ client, display, settings, signal }, files, values) {
    if (files.length === 0) throw new UsageError('upload needs at least one file');
    const parallel = positiveInteger(values.parallel, '--parallel');
    const waitTimeout = positiveInteger(values['wait-timeout'], '--wait-timeout');
    const explicitChunkSize = values['chunk-size'] === undefined ? null : size(values['chunk-size'], '--chunk-size');
    const limit = values['limit-rate'] === undefined ? null : size(values['limit-rate'], '--limit-rate');
    const protocol = protocolOf(values.protocol);

    // Fails fast on a bad token or an unreachable server, before any bytes or resume state are touched.
    const me = await client.json<{ user_id: string }>('GET', '/me');
    // The server's CHUNK_SIZE unless the user chose: an operator behind a proxy with a small
    // body limit shrinks chunks for every client at once.
    const chunkSize = explicitChunkSize ?? (await client.advertisedChunkSize()) ?? DEFAULT_CHUNK_SIZE;
    const store = new JsonStateStore(settings.stateDir);
    const unique = [...new Map(files.map((file) => [realPathOr(file), file])).values()];
    const uploadSettings = {
      client,
      store,
      user: me.user_id,
      chunkSize,
      sha256: values.sha256 === true,
      limiter: limit ? new RateLimiter(limit) : null,
      waitTimeoutMs: values.wait ? waitTimeout * 1000 : null,
      signal,
      protocol,
    };
    const results = await mapConcurrently(unique, parallel, async (file) => {
      const bar = display.bar(path.basename(file), 0);
      try {
        return await uploadFile(file, uploadSettings, bar);
      } finally {
        bar.finish();
      }
    });
    // tus-js-client forgets a finished upload without waiting for the write.
    await store.settled();

    const failed = results.filter((r) => r.error || (r.status && FAILED_STATUSES.has(r.status)) || (values.wait && r.status !== 'complete'));
    const exitCode = signal.aborted ? EXIT.INTERRUPTED : failed.length > 0 ? EXIT.FAILURE : EXIT.OK;
    return { doc: { ok: failed.length === 0, uploads: results }, text: results.map(describe).join('\n'), exitCode };
  },
};

function describe(result: UploadResult): string {
  const size = result.size === null ? '' : formatBytes(result.size);
  if (result.error) {
    const lines = [`✗ ${result.path}  ${size}  ${result.error.message}`];
    if (result.upload_id) lines.push(`  upload ${result.upload_id}`);
    if (result.error.hint) lines.push(`  hint: ${result.error.hint}`);
    return lines.join('\n');
  }
  const mark = result.status && FAILED_STATUSES.has(result.status) ? '✗' : '✓';
  const resumed = result.resumed_from !== null ? `  (resumed at ${formatBytes(result.resumed_from)})` : '';
  const reason = result.failure_reason ? ` (${result.failure_reason})` : '';
  return `${mark} ${result.path}  ${size}  ${result.status}${reason}  file ${result.file_id}  upload ${result.upload_id}${resumed}`;
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function realPathOr(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function protocolOf(value: unknown): UploadProtocol {
  if (PROTOCOLS.includes(value as UploadProtocol)) return value as UploadProtocol;
  throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, not ${String(value)}`);
}

function positiveInteger(value: unknown, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, not ${String(value)}`);
  return number;
}

function size(value: unknown, flag: string): number {
  const bytes = typeof value === 'string' ? parseSize(value) : null;
  if (bytes === null) throw new UsageError(`${flag} must be a size such as 8M, 512k or 1048576, not ${String(value)}`);
  return bytes;
}
