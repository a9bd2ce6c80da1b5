import { FILE_STATUSES, isFileStatus } from '@airlock/core';
import type { FileJson, FilePage } from '../api-types.js';
import { EXIT, UsageError } from '../errors.js';
import { fit, formatBytes } from '../progress/format.js';
import type { Command } from './command.js';

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list your files, newest first',
  usage: 'ls [--status S] [--limit N] [--cursor C] [--all]',
  help: [
    `--status S   only files in status S (${FILE_STATUSES.join(', ')})`,
    '--limit N    files per page, 1 to 1000 (default 50)',
    '--cursor C   the page after C (the next_cursor of the previous page)',
    '--all        follow next_cursor to the last page',
  ],
  options: {
    status: { type: 'string' },
    limit: { type: 'string', default: '50' },
    cursor: { type: 'string' },
    all: { type: 'boolean', default: false },
  },
  async run({ client }, positionals, values) {
    if (positionals.length > 0) throw new UsageError(`ls takes no arguments, got ${positionals.join(' ')}`);
    const status = values.status as string | undefined;
    if (status !== undefined && !isFileStatus(status)) throw new UsageError(`--status must be one of ${FILE_STATUSES.join(', ')}`);
    const items: FileJson[] = [];
    let cursor = values.cursor as string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: String(values.limit), ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
      const page = await client.json<FilePage>('GET', `/files?${query}`);
      items.push(...page.items);
      cursor = page.next_cursor ?? undefined;
      if (!values.all || !cursor) break;
    }
    const next = cursor ?? null;
    const text = [
      ...(items.length === 0 ? ['no files'] : items.map(row)),
      ...(next ? [`more: airlock ls --cursor ${next}${status ? ` --status ${status}` : ''} (or --all)`] : []),
    ].join('\n');
    return { doc: { items, next_cursor: next }, text, exitCode: EXIT.OK };
  },
};

function row(file: FileJson): string {
  const size = file.size_bytes === null ? '-' : formatBytes(file.size_bytes);
  return [file.id, fit(file.status, 11), size.padStart(10), file.created_at.slice(0, 19).replace('T', ' '), file.original_filename ?? ''].join('  ');
}
