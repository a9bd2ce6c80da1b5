import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusHeaders } from '../support/http.js';
import { EICAR } from '../support/samples.js';
import { privateRedis, type PrivateService } from '@airlock/testing';
import { OCTETS, startStack, type Proc, type Stack } from '@airlock/testing/stack';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '@airlock/testing';
import { startReceiver, type WebhookReceiver } from '@airlock/testing/stack';
import { uploadWithRetries } from '../support/retrying-upload.js';

/**
 * Issue #14, done when: a few hundred uploads (clean text, EICAR, wrong checksums) against the
 * real stack (API and two worker processes, every role) while the test SIGKILLs workers and
 * restarts them, restarts Redis (a private one: the machine's serves every other test), cuts
 * clamd (a proxy in front of the machine's clamd, cut and restored) and deletes quarantine
 * bytes of finished uploads. Then: every file terminal, with the outcome its bytes call for;
 * quota in use = the complete files, nothing reserved; no quarantine bytes for complete files,
 * no final bytes for anything else; every file's terminal status delivered as one event id;
 * and no file `scan_failed`: clamd being unreachable spends no scan attempt.
 */
const UPLOADS = 300;
const PARALLEL = 12;
const USERS = ['ada', 'bo', 'cy', 'di'];
const TERMINAL = ['complete', 'quarantined', 'rejected', 'scan_failed', 'failed'];

type Kind = 'clean' | 'eicar' | 'wrong-checksum';
interface Sent {
  user: string;
  kind: Kind;
  size: number;
  fileId: string;
  uploadId: string;
}
interface FileJson {
  id: string;
  status: string;
  failure_reason: string | null;
  size_bytes: number;
}

describe('chaos: workers killed, Redis restarted, clamd cut, quarantine bytes deleted', () => {
  let redis: PrivateService;
  let clamd: TcpProxy;
  let receiver: WebhookReceiver;
  let stack: Stack;
  const workers: Proc[] = [];

  beforeAll(async () => {
    [redis, clamd, receiver] = await Promise.all([
      privateRedis(),
      startTcpProxy({ host: process.env.CLAMD_HOST ?? '127.0.0.1', port: Number(process.env.CLAMD_PORT ?? 3310) }),
      startReceiver(),
    ]);
    stack = await startStack({
      env: {
        REDIS_URL: redis.url,
        CLAMD_HOST: '127.0.0.1',
        CLAMD_PORT: String(clamd.port),
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: 'chaos-secret',
        ALLOWED_TYPES: OCTETS,
        UPLOAD_MIN_CHARGE_BYTES: '0',
        RATE_LIMIT_PER_MINUTE: '1000000',
        // The reconciler brings back what a Redis restart lost within seconds, not minutes.
        RECONCILE_AFTER_SECONDS: '3',
        // A SIGKILLed worker's jobs run again once their lock lapses: seconds, not a minute.
        JOB_LOCK_SECONDS: '5',
        // Likewise the events a SIGKILLed notifier had claimed.
        WEBHOOK_LEASE_SECONDS: '12',
      },
    });
    for (let i = 0; i < 2; i += 1) workers.push(await stack.startWorker('worker', { LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn' }));
  }, 60_000);
  afterAll(async () => {
    if (process.env.CHAOS_DUMP) workers.forEach((w, i) => fs.writeFileSync(`${process.env.CHAOS_DUMP}-worker${i}.log`, w.output()));
    if (process.env.CHAOS_DUMP) fs.writeFileSync(`${process.env.CHAOS_DUMP}-api.log`, stack.api.output());
    await stack?.stop();
    await Promise.all([redis?.destroy(), clamd?.close(), receiver?.close()]);
  });

  it('ends every file terminal, quota and bytes consistent, every event delivered, nothing scan_failed', async () => {
    const tokens = Object.fromEntries(await Promise.all(USERS.map(async (user) => [user, await stack.token(user)] as const)));
    const sent: Sent[] = [];
    const bytesDeleted = new Set<string>();
    let uploading = true;

    // The chaos, one action every 1.5 s while the uploads run, each kind at least once.
    const actions: (() => Promise<string>)[] = [
      async () => {
        const worker = workers[0]!;
        await worker.kill();
        await worker.restart();
        return 'worker 0 SIGKILLed and restarted';
      },
      async () => {
        // Long enough for three scan attempts with backoff (1 s, 2 s): were an unreachable
        // clamd an attempt, files would end scan_failed here.
        await clamd.cut();
        await sleep(6_000);
        await clamd.restore();
        return 'clamd cut for 6 s';
      },
      async () => {
        await redis.stop();
        await sleep(1_000);
        await redis.start();
        return 'Redis restarted (empty)';
      },
      async () => {
        const finished = sent.filter((s) => !bytesDeleted.has(s.uploadId)).slice(-8);
        for (const s of finished) {
          if (
            await fs.promises.unlink(path.join(stack.dataDir, 'quarantine', s.uploadId)).then(
              () => true,
              () => false,
            )
          )
            bytesDeleted.add(s.uploadId);
        }
        return 'quarantine bytes deleted';
      },
      async () => {
        const worker = workers[1]!;
        await worker.kill();
        await worker.restart();
        return 'worker 1 SIGKILLed and restarted';
      },
    ];
    const log: string[] = [];
    const chaos = (async () => {
      for (let round = 0; uploading || round < actions.length; round += 1) {
        await sleep(1_500);
        log.push(await actions[round % actions.length]!());
      }
    })();

    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < UPLOADS) {
          const index = next++;
          const kind: Kind = index % 10 === 0 ? 'eicar' : index % 10 === 5 ? 'wrong-checksum' : 'clean';
          const body = kind === 'eicar' ? Buffer.from(EICAR) : Buffer.from(`file ${index} ${randomBytes(512 + (index % 7) * 256).toString('hex')}\n`);
          const sha256 = kind === 'wrong-checksum' ? 'f'.repeat(64) : createHash('sha256').update(body).digest('hex');
          const user = USERS[index % USERS.length]!;
          const ids = await uploadWithRetries(stack.url, tokens[user]!, body, { filename: `f${index}.txt`, filetype: 'text/plain', sha256 });
          sent.push({ user, kind, size: body.length, ...ids });
        }
      }),
    );
    uploading = false;
    await chaos;
    expect(sent).toHaveLength(UPLOADS);

    // Every file terminal, and every terminal status delivered.
    const filesOf = async (user: string) => {
      const res = await fetch(`${stack.url}/files?limit=1000`, { headers: tusHeaders(tokens[user]) });
      return ((await res.json()) as { items: FileJson[] }).items;
    };
    const allFiles = async () => (await Promise.all(USERS.map(filesOf))).flat();
    const files = await waitFor(allFiles, (items) => items.length === UPLOADS && items.every((f) => TERMINAL.includes(f.status)), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `every file terminal (chaos: ${log.join('; ')})`,
    });
    await waitFor(
      async () => new Set(receiver.deliveries.map((d) => d.body.file.id)).size,
      (n) => n >= UPLOADS,
      { timeoutMs: 30_000, what: 'an event for every file' },
    );

    const byId = new Map(files.map((f) => [f.id, f]));
    const outcomes: Record<string, number> = {};
    for (const s of sent) {
      const file = byId.get(s.fileId)!;
      const outcome = `${s.kind} → ${file.status}${file.failure_reason ? `/${file.failure_reason}` : ''}${bytesDeleted.has(s.uploadId) ? ' (bytes deleted)' : ''}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      // clamd unreachable is no scan attempt: nothing ends scan_failed for it.
      expect(file.status, s.fileId).not.toBe('scan_failed');
      if (bytesDeleted.has(s.uploadId)) {
        expect(file.status, s.fileId).not.toBe('complete');
        continue;
      }
      const expected = { clean: 'complete', eicar: 'quarantined', 'wrong-checksum': 'failed' }[s.kind];
      expect(`${file.status}/${file.failure_reason}`, `${s.kind} ${s.fileId}`).toBe(expected === 'failed' ? 'failed/checksum_mismatch' : `${expected}/null`);
    }
    console.info(`chaos: ${log.join('; ')}\noutcomes: ${JSON.stringify(outcomes, null, 1)}`);

    // Quota: in use = the complete files' sizes; nothing reserved.
    for (const user of USERS) {
      const complete = files.filter((f) => f.status === 'complete' && sent.find((s) => s.fileId === f.id)!.user === user);
      const me = await (await fetch(`${stack.url}/me`, { headers: tusHeaders(tokens[user]) })).json();
      expect(me, user).toMatchObject({ used_bytes: complete.reduce((sum, f) => sum + f.size_bytes, 0), reserved_bytes: 0 });
    }

    // Bytes: a complete file's only in final storage; final storage holds complete files only.
    const completeIds = new Set(files.filter((f) => f.status === 'complete').map((f) => f.id));
    const quarantined = new Set(fs.readdirSync(path.join(stack.dataDir, 'quarantine')));
    expect(sent.filter((s) => completeIds.has(s.fileId) && quarantined.has(s.uploadId))).toEqual([]);
    const finalFiles = fs
      .readdirSync(path.join(stack.dataDir, 'files'), { recursive: true })
      .map(String)
      .filter((name) => /^[0-9a-f]{2}\/[0-9a-f]{32}$/.test(name));
    expect(finalFiles.map((name) => name.slice(3)).sort()).toEqual([...completeIds].sort());

    // Webhooks: one event id per file (its terminal status), redelivered at most as the same id.
    const eventsByFile = new Map<string, Set<string>>();
    for (const delivery of receiver.deliveries) {
      const ids = eventsByFile.get(delivery.body.file.id) ?? new Set();
      ids.add(delivery.body.id);
      eventsByFile.set(delivery.body.file.id, ids);
      expect(delivery.body.file.status).toBe(byId.get(delivery.body.file.id)!.status);
    }
    expect([...eventsByFile.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(eventsByFile.size).toBe(UPLOADS);
  }, 150_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
