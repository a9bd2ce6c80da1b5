/** Thrown for a cursor this service did not issue. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

interface Position {
  createdAt: Date;
  id: string;
}

/**
 * Keyset pagination over (created_at DESC, id DESC): stable while rows are added, and no
 * OFFSET scans. The cursor is the last row's position, base64url-encoded.
 */
export function encodeCursor({ createdAt, id }: Position): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(String(createdAt));
    if (typeof id !== 'string' || id.length === 0 || id.length > 64 || Number.isNaN(date.getTime())) throw new Error('shape');
    return { createdAt: date, id };
  } catch {
    throw new InvalidCursorError();
  }
}
