import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where a generated secret lives: `DATA_DIR/secrets/<name>`. */
export function secretPath(dataDir: string, name: string): string {
  return path.join(dataDir, 'secrets', name);
}

/** Thrown by `readSecret` when no secret was generated yet (the API generates it at its first start). */
export class MissingSecretError extends Error {
  constructor(readonly file: string) {
    super(`no secret at ${file}`);
    this.name = 'MissingSecretError';
  }
}

/** Reads a generated secret; never creates one. Throws `MissingSecretError` when there is none. */
export function readSecret(file: string): string {
  let value: string;
  try {
    value = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingSecretError(file);
    throw error;
  }
  if (value.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters; delete it to regenerate`);
  return value;
}

/**
 * A secret generated once into DATA_DIR (mode 0600) when the operator configured none,
 * so a fresh clone works without setup and every process on the machine agrees on it.
 * The exclusive create ('wx') makes concurrent first starts converge on one value.
 */
export function loadOrCreateSecret(dataDir: string, name: string): { value: string; generated: boolean } {
  const file = secretPath(dataDir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { value: readSecret(file), generated: true };
}
