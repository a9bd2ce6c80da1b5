import { readFileSync } from 'node:fs';

/**
 * Secrets that may also come from a file (`<NAME>_FILE`, as Docker and Kubernetes secrets are
 * mounted): the file's content, trimmed, stands for the variable. One home for the list: the
 * docs/CONFIGURATION.md and the config test read it from here.
 */
export const SECRET_VARIABLES = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PREVIOUS_SECRET',
  'SIGNED_URL_SECRET',
  'WEBHOOK_SECRET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

/**
 * The environment with every `<NAME>_FILE` replaced by `<NAME>` = the file's content. Throws
 * (the caller turns it into the one configuration line) when both are set, or the file cannot
 * be read; the message names the variable and never carries the content.
 */
export function resolveSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) throw new Error(`${name}_FILE: set ${name} or ${name}_FILE, not both`);
    let content: string;
    try {
      content = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new Error(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
    if (content === '') throw new Error(`${name}_FILE: ${file} is empty`);
    resolved[name] = content;
  }
  return resolved;
}
