import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from '../api-client.js';
import type { ProgressDisplay } from '../progress/progress-display.js';
import type { Settings } from '../settings.js';

export interface CommandContext {
  settings: Settings;
  client: ApiClient;
  display: ProgressDisplay;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

/** What a command produced: one JSON document (`--json`) or its text, and the exit code. */
export interface CommandResult {
  doc: unknown;
  text: string;
  exitCode: number;
}

/** parseArgs' option table (@types/node 20 does not name it). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  /** One line for `airlock --help`. */
  summary: string;
  /** `airlock <usage>` */
  usage: string;
  /** Option lines for `airlock <name> --help`. */
  help: string[];
  options: OptionsConfig;
  /** Commands that need no server (token) skip the client. */
  offline?: boolean;
  run(context: CommandContext, positionals: string[], values: OptionValues): Promise<CommandResult>;
}
