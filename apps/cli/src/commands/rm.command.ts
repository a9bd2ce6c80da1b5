import { EXIT, UsageError } from '../errors.js';
import type { Command } from './command.js';

export const rmCommand: Command = {
  name: 'rm',
  summary: 'delete a file: its bytes are removed and your quota freed',
  usage: 'rm <file-id>',
  help: [],
  options: {},
  async run({ client }, positionals) {
    const [id, ...rest] = positionals;
    if (!id || rest.length > 0) throw new UsageError('rm needs exactly one file id');
    await client.call('DELETE', `/files/${encodeURIComponent(id)}`);
    return { doc: { deleted: id }, text: `deleted ${id}`, exitCode: EXIT.OK };
  },
};
