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
 * A secret generated once into DATA_DIR (folder 0700, file 0600) when the operator configured
 * none, so a fresh clone works without setup and every process on the machine agrees on it.
 * Written atomically: the whole value goes into a temp file (fsynced) that is then hard-linked
 * to its name. link() fails when the name exists, so of processes starting together exactly
 * one wins and the others read the winner's value; nobody ever sees an empty or partial file
 * (an exclusive create followed by a write would show an empty one in between).
 */
export function loadOrCreateSecret(dataDir: string, name: string): { value: string; generated: boolean } {
  const file = secretPath(dataDir, name);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder as it was: narrow it explicitly.
  fs.chmodSync(dir, 0o700);
  if (!fs.existsSync(file)) {
    const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fd = fs.openSync(temp, 'wx', 0o600);
      try {
        fs.writeSync(fd, randomBytes(48).toString('base64url'));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  return { value: readSecret(file), generated: true };
}
