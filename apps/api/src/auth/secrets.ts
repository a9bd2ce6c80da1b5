import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A secret generated once into DATA_DIR (mode 0600) when the operator configured none,
 * so a fresh clone works without setup and every process on the machine agrees on it.
 * The exclusive create ('wx') makes concurrent first starts converge on one value.
 */
export function loadOrCreateSecret(dataDir: string, name: string): { value: string; generated: boolean } {
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const value = fs.readFileSync(file, 'utf8').trim();
  if (value.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters; delete it to regenerate`);
  return { value, generated: true };
}
