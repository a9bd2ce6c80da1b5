import { randomUUID } from 'node:crypto';

/** Upload and file ids: 32 lower-case hex characters (a UUIDv4 without dashes). */
const ID = /^[0-9a-f]{32}$/;

export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * Ids arrive from the URL; anything else (encoded `../`, `%2e%2e`, `\`, NUL, invalid
 * UTF-8) is rejected here, before any storage or database call.
 */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}
