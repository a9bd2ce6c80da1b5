import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '@airlock/testing';
import { quarantinePath } from '../support/files.js';
import { uploadBytes, waitForStatus } from '../support/http.js';
import { EICAR, PNG, TEXT_THEN_BINARY } from '../support/samples.js';
import { useStack } from '@airlock/testing/stack';
import { waitFor } from '@airlock/testing';

const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];
const RETENTION_SECONDS = 10;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * #19 item 2: the uploader of a quarantined (or rejected) file can hide it from themselves,
 * but not erase it: the bytes and the row stay until retention, admins still see it with its
 * scan audit (SHA-256 included), and then retention purges the bytes.
 */
describe.each(PROVIDERS)('evidence the uploader cannot erase, on %s', (provider) => {
  // The collector every second, with an orphan grace period of 1 s: it gets every chance to
  // remove what the owner deleted, long before retention ends.
  const stack = useStack({
    provider,
    env: { QUARANTINE_RETENTION_SECONDS: String(RETENTION_SECONDS), ORPHAN_GRACE_SECONDS: '1', GC_INTERVAL_SECONDS: '1' },
    workers: { worker: { LOG_LEVEL: 'info' } },
  });
  let owner: string;
  let admin: string;
  beforeAll(async () => {
    owner = await stack.token(`uploader-${provider}`);
    admin = await stack.token('auditor', { role: 'admin' });
  });

  const api = async (path: string, token: string, method = 'GET') => {
    const res = await fetch(`${stack.url}${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as Record<string, any>) };
  };
  const finished = async (bytes: Uint8Array<ArrayBuffer>, filename: string) => {
    const up = await uploadBytes(stack.url, owner, bytes, { filename });
    return { ...up, status: (await waitForStatus(stack.url, owner, up.upload_id, TERMINAL, 60_000)).status };
  };
  const gcPasses = () =>
    stack.workers
      .worker!.output()
      .split('\n')
      .filter((line) => line.includes('"msg":"gc: pass done"')).length;

  it('records the SHA-256 of an infected file in its row, its scan audit and the audit log', async () => {
    const infected = await finished(Buffer.from(EICAR), 'eicar.txt');
    expect(infected.status).toBe('quarantined');
    const { body } = await api(`/files/${infected.file_id}`, owner);
    expect(body).toMatchObject({ status: 'quarantined', checksum_sha256: sha256(Buffer.from(EICAR)), scan: { result: 'infected' } });
    await waitFor(
      async () => stack.workers.worker!.output(),
      (out) => out.split('\n').some((line) => line.includes('"audit":"scan"') && line.includes(infected.file_id)),
      { what: 'the scan audit line' },
    );
    const line = stack.workers
      .worker!.output()
      .split('\n')
      .find((l) => l.includes('"audit":"scan"') && l.includes(infected.file_id))!;
    expect(JSON.parse(line)).toMatchObject({ fileId: infected.file_id, result: 'infected', sha256: sha256(Buffer.from(EICAR)) });
  });

  it('hides a deleted quarantined or rejected file from its owner, keeps its bytes and row for admins until retention purges them', async () => {
    const infected = await finished(Buffer.from(EICAR), 'invoice.pdf.txt');
    const rejected = await finished(TEXT_THEN_BINARY, 'notes.txt');
    const clean = await finished(PNG, 'dot.png');
    expect([infected.status, rejected.status, clean.status]).toEqual(['quarantined', 'rejected', 'complete']);
    const evidence = [infected, rejected];

    for (const up of [...evidence, clean]) expect((await api(`/files/${up.file_id}`, owner, 'DELETE')).status).toBe(204);
    const passesAtDeletion = gcPasses();

    // The owner: gone (404 on every files route, not listed), nothing counted against the quota.
    for (const up of evidence) {
      expect((await api(`/files/${up.file_id}`, owner)).status).toBe(404);
      expect((await api(`/files/${up.file_id}`, owner, 'DELETE')).status).toBe(404);
    }
    const listed = (await api('/files?limit=100', owner)).body!.items as { id: string }[];
    for (const up of evidence) expect(listed.map((file) => file.id)).not.toContain(up.file_id);
    expect((await api('/me', owner)).body).toMatchObject({ used_bytes: 0, reserved_bytes: 0 });
    expect((await api(`/files?include_deleted=true`, owner)).status).toBe(400);

    // A complete file's bytes go at once, as before; the evidence stays in quarantine.
    for (const up of evidence) expect(fs.existsSync(quarantinePath(stack.dataDir, up.upload_id))).toBe(true);
    expect(fs.readFileSync(quarantinePath(stack.dataDir, infected.upload_id))).toEqual(Buffer.from(EICAR));

    // An admin: the file, its deletion and its audit.
    const seen = (await api(`/files/${infected.file_id}`, admin)).body!;
    expect(seen).toMatchObject({
      id: infected.file_id,
      status: 'quarantined',
      checksum_sha256: sha256(Buffer.from(EICAR)),
      purged_at: null,
      scan: { result: 'infected' },
      scan_audit: [{ attempt: 1, result: 'infected', sha256: sha256(Buffer.from(EICAR)) }],
    });
    expect(seen.scan_audit[0].signature).toMatch(/eicar/i);
    expect(Date.parse(seen.deleted_at)).toBeGreaterThan(0);
    expect((await api(`/files/${rejected.file_id}`, admin)).body).toMatchObject({ status: 'rejected', purged_at: null, scan_audit: [] });
    const ownerId = seen.owner_id as string;
    const hidden = (await api(`/files?owner_id=${ownerId}`, admin)).body!.items as { id: string }[];
    for (const up of [...evidence, clean]) expect(hidden.map((file) => file.id)).not.toContain(up.file_id);
    const all = (await api(`/files?owner_id=${ownerId}&include_deleted=true&limit=100`, admin)).body!.items as { id: string; deleted_at: string | null }[];
    const ids = all.map((file) => file.id);
    for (const up of [...evidence, clean]) expect(ids).toContain(up.file_id);
    for (const up of [...evidence, clean]) expect(all.find((file) => file.id === up.file_id)?.deleted_at).not.toBeNull();

    // Several collector passes past the grace period: the evidence is still there.
    await waitFor(
      async () => gcPasses(),
      (passes) => passes >= passesAtDeletion + 3,
      { timeoutMs: 30_000, what: 'three collector passes' },
    );
    expect((await api(`/files/${infected.file_id}`, admin)).body).toMatchObject({ purged_at: null });
    for (const up of evidence) expect(fs.existsSync(quarantinePath(stack.dataDir, up.upload_id)), String(up.status)).toBe(true);

    // Retention over: the bytes go; the row, the verdict and the hash stay for the audit.
    for (const up of evidence) {
      await waitFor(
        async () => (await api(`/files/${up.file_id}`, admin)).body!.purged_at,
        (at) => at !== null,
        { timeoutMs: 60_000, what: `${String(up.status)} bytes purged` },
      );
      expect(fs.existsSync(quarantinePath(stack.dataDir, up.upload_id))).toBe(false);
      expect(fs.existsSync(`${quarantinePath(stack.dataDir, up.upload_id)}.json`)).toBe(false);
    }
    expect((await api(`/files/${infected.file_id}`, admin)).body).toMatchObject({
      status: 'quarantined',
      checksum_sha256: sha256(Buffer.from(EICAR)),
      scan_audit: [{ result: 'infected', sha256: sha256(Buffer.from(EICAR)) }],
    });
    expect((await api(`/files/${infected.file_id}`, owner)).status).toBe(404);
  });
});
