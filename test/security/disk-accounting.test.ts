import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpload, tusHeaders } from '../support/http.js';
import { startStack, type Stack } from '@airlock/testing/stack';

const KiB = 1024;

/** Bytes of every file under `dir`. */
const diskUsage = (dir: string): number =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0)
    : 0;

/** Upload-Metadata of `keys` keys whose values decode to control bytes: the worst case for the sidecar (JSON escapes each as \u00XX). */
const hostileMetadata = (bytes: number, keys = 1): string => {
  const pairs: string[] = [];
  const per = Math.floor((bytes - keys * 8) / keys / 4) * 3;
  for (let i = 0; i < keys; i += 1) pairs.push(`k${i} ${Buffer.alloc(per, 1).toString('base64')}`);
  return pairs.join(',');
};

/**
 * Issue #19, item 1: what an upload stores counts against its owner. Before, each upload's
 * Upload-Metadata was written to disk and counted against nothing: 100 empty uploads stored
 * 1.5 MB while /me said 0 bytes used and 0 reserved.
 */
describe('every stored byte is accounted for', () => {
  let stack: Stack;
  const QUOTA = 512 * KiB;
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: 'text/plain', QUOTA_BYTES: String(QUOTA), MAX_OPEN_UPLOADS: '40', RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(() => stack?.stop());

  /** A deferred-length creation (no Upload-Length): an "empty" upload, as in the report. */
  const createDeferred = async (token: string, extra: Record<string, string> = {}) => {
    const res = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Defer-Length': '1', ...extra }) });
    return { res, body: res.status === 201 ? ((await res.json()) as { upload_url: string }) : await res.text() };
  };
  const me = async (token: string) =>
    (await (await fetch(`${stack.url}/me`, { headers: tusHeaders(token) })).json()) as { reserved_bytes: number; used_bytes: number };

  it('caps Upload-Metadata: 400 naming MAX_METADATA_BYTES or MAX_METADATA_KEYS, nothing created', async () => {
    const token = await stack.token('capped');
    const big = await createUpload(stack.url, token, 0, { 'Upload-Metadata': hostileMetadata(4 * KiB + 100) });
    expect(big.res.status).toBe(400);
    expect(String(big.body)).toContain('MAX_METADATA_BYTES');
    const many = Array.from({ length: 33 }, (_, i) => `k${i} YQ==`).join(',');
    const keys = await createUpload(stack.url, token, 0, { 'Upload-Metadata': many });
    expect(keys.res.status).toBe(400);
    expect(String(keys.body)).toContain('MAX_METADATA_KEYS');
    expect(await me(token)).toEqual(expect.objectContaining({ reserved_bytes: 0 }));
    // At the caps exactly: accepted.
    expect((await createUpload(stack.url, token, 10, { 'Upload-Metadata': hostileMetadata(4 * KiB, 4) })).res.status).toBe(201);
  });

  it('a loop of metadata-heavy empty creations never grows the disk past what the quota says', async () => {
    const token = await stack.token('hoarder');
    const quarantine = path.join(stack.dataDir, 'quarantine');
    const before = diskUsage(quarantine);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i += 1) {
      const { res } = await createDeferred(token, { 'Upload-Metadata': hostileMetadata(4 * KiB, 8) });
      statuses.push(res.status);
      if (res.status !== 201) break;
    }
    const usage = await me(token);
    const grown = diskUsage(quarantine) - before;
    // Each open upload is charged (here 32 KiB), so the quota runs out (413) long before 60.
    expect(statuses.at(-1)).toBe(413);
    expect(statuses.filter((code) => code === 201).length).toBeLessThan(20);
    expect(usage.reserved_bytes).toBeGreaterThan(0);
    expect(grown).toBeLessThanOrEqual(usage.reserved_bytes + usage.used_bytes);
    expect(usage.reserved_bytes + usage.used_bytes).toBeLessThanOrEqual(QUOTA);
  });

  it('caps open uploads per user: 429 naming MAX_OPEN_UPLOADS, and another user is not affected', async () => {
    const unbounded = await startStack({ env: { UPLOAD_MIN_CHARGE_BYTES: '0', MAX_OPEN_UPLOADS: '5' } });
    try {
      const token = await unbounded.token('opener');
      const codes: number[] = [];
      for (let i = 0; i < 7; i += 1) codes.push((await createUpload(unbounded.url, token, 10)).res.status);
      expect(codes).toEqual([201, 201, 201, 201, 201, 429, 429]);
      const refused = await createUpload(unbounded.url, token, 10);
      expect(String(refused.body)).toContain('MAX_OPEN_UPLOADS');
      expect(await (await fetch(`${unbounded.url}/me`, { headers: tusHeaders(token) })).json()).toMatchObject({ reserved_bytes: 50 });
      expect((await createUpload(unbounded.url, await unbounded.token('other'), 10)).res.status).toBe(201);
    } finally {
      await unbounded.stop();
    }
  });

  it('charges an empty upload the minimum, and releases it when the upload is terminated', async () => {
    const token = await stack.token('minimal');
    const { body } = await createDeferred(token);
    expect((await me(token)).reserved_bytes).toBe(32 * KiB);
    const url = (body as { upload_url: string }).upload_url;
    expect((await fetch(url, { method: 'DELETE', headers: tusHeaders(token) })).status).toBe(204);
    expect((await me(token)).reserved_bytes).toBe(0);
  });
});
