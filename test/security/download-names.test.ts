import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUpload, patch, waitForStatus } from '../support/http.js';
import { BACKENDS, useStorageProbe } from '@airlock/testing/stack';
import { OCTETS, useStack } from '@airlock/testing/stack';

/**
 * #12 item 8: a file downloads whatever its name, with one sanitised Content-Disposition on
 * both backends (the local signed URL, and the header S3 sends for a presigned URL).
 */
/** Nothing of the name is left: the file id is the name. */
const FILE_ID = Symbol('the file id');
const HOSTILE: [string, Buffer, string | typeof FILE_ID][] = [
  // [what, the raw bytes of the `filename` metadata value, the name a browser saves]
  ['a header injection', utf8('evil"\r\nSet-Cookie: a=b;.txt'), 'evil"Set-Cookie: a=b;.txt'],
  ['an RTL override', utf8('invoice\u202Efdp.exe'), 'invoicefdp.exe'],
  ['a path', utf8('../../etc/passwd'), 'passwd'],
  ['a backslash path', utf8('..\\..\\x\\boot.ini'), 'boot.ini'],
  ['only control characters', utf8('\u0000\u0007\r\n\u0085'), FILE_ID],
  ['an empty name', Buffer.alloc(0), FILE_ID],
  ['invalid UTF-8', Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74]), 'f\ufffd\ufffd.t'],
  ['a 1.4 KB name with emoji at the cut', utf8(`${'a'.repeat(250)}${'😀'.repeat(300)}.png`), `${'a'.repeat(250)}.png`],
];

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** The name a browser saves: `filename*` (RFC 8187) when present, else the `filename` value. */
function savedName(header: string): string {
  const extended = /filename\*=UTF-8''([^;\s]+)/i.exec(header);
  if (extended) return decodeURIComponent(extended[1]!);
  const plain = /filename=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  return plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2] ?? '';
}

describe.each(BACKENDS)('downloads of hostile file names, STORAGE_BACKEND=%s', (backend) => {
  const probe = useStorageProbe(backend, () => stack.dataDir);
  const stack = useStack({ env: () => ({ ALLOWED_TYPES: OCTETS, ...probe.env }), workers: { worker: {} } });
  let token: string;
  beforeAll(async () => {
    token = await stack.token('mallory');
  });

  it.each(HOSTILE)('%s', async (_, rawName, expected) => {
    const bytes = randomBytes(4096);
    const { res, body } = await createUpload(stack.url, token, bytes.length, {
      'Upload-Metadata': rawName.length > 0 ? `filename ${rawName.toString('base64')}` : 'filename',
    });
    expect(res.status).toBe(201);
    const up = body as { upload_id: string; file_id: string; upload_url: string };
    expect((await patch(up.upload_url, token, 0, bytes)).status).toBe(204);
    expect(await waitForStatus(stack.url, token, up.upload_id, ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'])).toMatchObject({
      status: 'complete',
    });

    const link = await fetch(`${stack.url}/files/${up.file_id}/download-url`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(link.status).toBe(200);
    const download = await fetch(((await link.json()) as { url: string }).url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    const header = download.headers.get('content-disposition')!;
    expect(header).toMatch(/^attachment; filename=/);
    expect(header).not.toMatch(/[\r\n]/);
    // The quoted fallback is plain printable ASCII.
    expect(/filename=("[^"]*"|[^;\s]+)/.exec(header)?.[1]).toMatch(/^[\x20-\x7e]+$/);
    const saved = savedName(header);
    expect(saved).toBe(expected === FILE_ID ? up.file_id : expected);
    expect(Buffer.byteLength(saved)).toBeLessThanOrEqual(255);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(saved).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/);
  });
});
