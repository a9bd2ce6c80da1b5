#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ApiClient } from './api-client.js';
import type { Command, OptionValues, OptionsConfig } from './commands/command.js';
import { getCommand } from './commands/get.command.js';
import { lsCommand } from './commands/ls.command.js';
import { rmCommand } from './commands/rm.command.js';
import { statusCommand } from './commands/status.command.js';
import { tokenCommand } from './commands/token.command.js';
import { uploadCommand } from './commands/upload.command.js';
import { CliError, EXIT, UsageError, asCliError } from './errors.js';
import { createDisplay, type ProgressDisplay } from './progress/progress-display.js';
import { resolveSettings, type Settings } from './settings.js';

const COMMANDS: Command[] = [uploadCommand, lsCommand, statusCommand, getCommand, rmCommand, tokenCommand];

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies OptionsConfig;

const USAGE = `usage: airlock <command> [arguments] [options]

${COMMANDS.map((command) => `  ${command.name.padEnd(8)}${command.summary}`).join('\n')}

options for every command:
  --url URL      the API (default $AIRLOCK_URL, else http://127.0.0.1:8080)
  --token JWT    bearer token (default $AIRLOCK_TOKEN)
  --json         one JSON document on stdout per command, no progress bars
  -h, --help     this text; "airlock <command> --help" for a command's options

Resume state: $AIRLOCK_STATE_DIR/uploads.json (default ~/.config/airlock/uploads.json).
Exit codes: 0 ok, 1 failed, 2 usage, 130 interrupted.`;

async function main(argv: string[]): Promise<number> {
  // First pass: only to find the command, the first argument that is not an option.
  const { tokens } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional');
  const command = first && COMMANDS.find((candidate) => candidate.name === first.value);
  let json = argv.includes('--json');
  if (!first) {
    const help = argv.includes('--help') || argv.includes('-h');
    (help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const display = { current: undefined as ProgressDisplay | undefined };
  try {
    if (!command) throw new UsageError(`unknown command: ${first.value}`);
    const rest = argv.filter((_, index) => index !== first.index);
    let values: OptionValues;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true }));
    } catch (error) {
      throw new UsageError((error as Error).message, `usage: airlock ${command.usage}`);
    }
    if (values.help) {
      process.stdout.write(`usage: airlock ${command.usage}\n${command.summary}\n${command.help.map((line) => `  ${line}\n`).join('')}`);
      return EXIT.OK;
    }
    const settings: Settings = resolveSettings({
      url: values.url as string | undefined,
      token: values.token as string | undefined,
      json: values.json as boolean | undefined,
    });
    json = settings.json;
    display.current = createDisplay(settings.json ? 'silent' : settings.bars ? 'bars' : 'lines');
    const result = await command.run(
      { settings, client: new ApiClient(settings.url, settings.token), display: display.current, signal: interruption() },
      positionals,
      values,
    );
    display.current.stop();
    await write(process.stdout, json ? JSON.stringify(result.doc) : result.text);
    return result.exitCode;
  } catch (error) {
    display.current?.stop();
    const failure = asCliError(error);
    if (json) await write(process.stdout, JSON.stringify({ error: failure.toDoc() }));
    else await write(process.stderr, describe(failure));
    return failure.exitCode;
  }
}

function describe(error: CliError): string {
  const status = error.status ? ` (HTTP ${error.status}${error.code ? ` ${error.code}` : ''})` : '';
  return `airlock: ${error.message}${status}${error.hint ? `\nhint: ${error.hint}` : ''}`;
}

/** Ctrl-C or SIGTERM asks the command to stop (uploads keep their resume state); a second one exits at once. */
function interruption(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) {
      if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\n');
      process.exit(EXIT.INTERRUPTED);
    }
    controller.abort(new CliError('interrupted', { exitCode: EXIT.INTERRUPTED }));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => (text ? stream.write(`${text}\n`, () => resolve()) : resolve()));
}

// Exit explicitly: an idle keep-alive socket or a finished upload's timers must not hold the shell.
process.exit(await main(process.argv.slice(2)));
