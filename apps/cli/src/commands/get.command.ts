import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FileJson } from '../api-types.js';
import { CliError, EXIT, UsageError, errorFromNetwork, errorFromResponse } from '../errors.js';
import type { ProgressBar } from '../progress/progress-display.js';
import type { Command } from './command.js';

export const getCommand: Command = {
  name: 'get',
  summary: 'download a complete file, verified against its SHA-256',
  usage: 'get <file-id> [-o path]',
  help: [
    '-o, --output PATH   where to write it (a directory keeps the original name; default: the',
    '                    original name in the current directory)',
  ],
  options: { output: { type: 'string', short: 'o' } },
  async run({ client, display, signal }, positionals, values) {
    const [id, ...rest] = positionals;
    if (!id || rest.length > 0) throw new UsageError('get needs exactly one file id');
    const file = await client.json<FileJson>('GET', `/files/${encodeURIComponent(id)}`);
    // 409 unless complete: the server's message says which status the file is in.
    const { url: given } = await client.json<{ url: string }>('POST', `/files/${file.id}/download-url`, {});
    // Without PUBLIC_URL the server answers a URL relative to itself.
    const url = new URL(given, client.baseUrl).href;
    const target = targetPath(values.output as string | undefined, file);
    const partial = `${target}.airlock-part`;

    const bar = display.bar(path.basename(target), file.size_bytes ?? 0);
    try {
      bar.phase('download');
      const sha256 = await download(url, partial, file.size_bytes ?? 0, bar, signal);
      if (file.checksum_sha256 && sha256 !== file.checksum_sha256) {
        throw new CliError(`checksum mismatch for ${file.id}: expected ${file.checksum_sha256}, got ${sha256}; nothing was kept`, {
          hint: 'the bytes were altered on the way; try again',
        });
      }
      fs.renameSync(partial, target);
      const size = fs.statSync(target).size;
      const doc = { file_id: file.id, path: target, size, sha256, verified: file.checksum_sha256 !== null };
      const note = doc.verified ? 'sha256 verified' : 'no checksum on the server to verify against';
      return { doc, text: `${target}  ${size} bytes  ${note}`, exitCode: EXIT.OK };
    } catch (error) {
      fs.rmSync(partial, { force: true });
      if (signal.aborted) throw new CliError('interrupted', { exitCode: EXIT.INTERRUPTED });
      throw error;
    } finally {
      bar.finish();
    }
  },
};

/**
 * Streams the URL to `partial` while hashing it: memory stays flat whatever the size. No
 * Authorization header: the URL is signed (an S3 presigned URL even refuses one), and the
 * token must not travel to another host.
 */
async function download(url: string, partial: string, expected: number, bar: ProgressBar, signal: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (error) {
    throw errorFromNetwork(error, new URL(url).origin);
  }
  if (!res.ok || !res.body) throw errorFromResponse(res.status, await res.text(), 'GET download URL');
  const total = Number(res.headers.get('content-length')) || expected;
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      received += chunk.length;
      bar.update(received, total);
      callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), meter, fs.createWriteStream(partial), { signal });
  return hash.digest('hex');
}

/** `-o` as given (inside it when it is a directory), else the original name, stripped to a safe basename. */
function targetPath(output: string | undefined, file: FileJson): string {
  const name = safeName(file.original_filename) ?? file.id;
  if (output === undefined) return path.resolve(name);
  const isDirectory = fs.statSync(output, { throwIfNoEntry: false })?.isDirectory() ?? false;
  return path.resolve(isDirectory ? path.join(output, name) : output);
}

function safeName(original: string | null): string | null {
  const base = path.basename((original ?? '').replace(/\\/g, '/'));
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean && clean !== '.' && clean !== '..' ? clean : null;
}
