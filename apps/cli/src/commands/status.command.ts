import type { FileJson, UploadJson } from '../api-types.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { formatBytes } from '../progress/format.js';
import type { Command } from './command.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show a file (by file id) or an upload and its file (by upload id)',
  usage: 'status <file-id|upload-id>',
  help: [],
  options: {},
  async run({ client }, positionals) {
    const [id, ...rest] = positionals;
    if (!id || rest.length > 0) throw new UsageError('status needs exactly one file id or upload id');
    const encoded = encodeURIComponent(id);
    const file = await client.jsonOrNull<FileJson>('GET', `/files/${encoded}`);
    if (file) return { doc: { file }, text: describeFile(file), exitCode: EXIT.OK };
    const upload = await client.jsonOrNull<UploadJson>('GET', `/uploads/${encoded}`);
    if (!upload) throw new CliError(`no file or upload ${id}`, { status: 404 });
    const ofUpload = await client.jsonOrNull<FileJson>('GET', `/files/${upload.file_id}`);
    const text = [describeUpload(upload), ...(ofUpload ? ['', describeFile(ofUpload)] : [])].join('\n');
    return { doc: { upload, file: ofUpload }, text, exitCode: EXIT.OK };
  },
};

function describeFile(file: FileJson): string {
  const scan = file.scan.result
    ? `${file.scan.result}${file.scan.signature ? ` (${file.scan.signature})` : ''}, ${file.scan.attempts} attempt(s)`
    : 'not scanned yet';
  return lines([
    ['file', file.id],
    ['name', file.original_filename ?? '-'],
    ['status', file.status + (file.failure_reason ? ` (${file.failure_reason})` : '')],
    ['size', file.size_bytes === null ? '-' : `${formatBytes(file.size_bytes)} (${file.size_bytes} bytes)`],
    ['type', file.mime_type ?? '-'],
    ['sha256', file.checksum_sha256 ?? '-'],
    ['scan', scan],
    ['created', file.created_at],
    ['updated', file.updated_at],
  ]);
}

function describeUpload(upload: UploadJson): string {
  const total = upload.total_size === null ? 'unknown length' : formatBytes(upload.total_size);
  return lines([
    ['upload', upload.upload_id],
    ['status', upload.status + (upload.failure_reason ? ` (${upload.failure_reason})` : '')],
    ['received', `${formatBytes(upload.bytes_received)} of ${total}`],
    ['expires', upload.expires_at ?? '-'],
  ]);
}

function lines(pairs: [string, string][]): string {
  return pairs.map(([key, value]) => `${key.padEnd(9)}${value}`).join('\n');
}
