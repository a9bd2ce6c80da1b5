import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './database-url.js';
import { migrate } from './migrate.js';
import { createClients } from './prisma-client.js';

describe('SQLite adapter isolation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-gate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps other queries out of an open transaction that rolls back', async () => {
    const url = `file:${join(dir, 'gate.db')}`;
    await migrate(url);
    const prisma = await createClients(parseDatabaseUrl(url)).prisma();
    const now = new Date();
    let inTransaction!: () => void;
    const started = new Promise<void>((resolve) => (inTransaction = resolve));

    const rolledBack = prisma
      .$transaction(async (tx) => {
        await tx.user.create({ data: { id: 'inside', createdAt: now, updatedAt: now } });
        inTransaction();
        // Long enough for the queries below to run inside it, were they allowed to.
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);

    await started;
    // Issued while the transaction is open. Without the gate they run inside it on the one
    // connection: the read sees the uncommitted row, and the writes are undone with it.
    expect(await prisma.user.findMany({ select: { id: true } })).toEqual([]);
    await prisma.user.create({ data: { id: 'outside', createdAt: now, updatedAt: now } });
    await prisma.$executeRawUnsafe(`INSERT INTO users (id, created_at, updated_at) VALUES ('raw', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')`);
    expect(await rolledBack).toBe('roll back');

    const ids = (await prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((user) => user.id);
    expect(ids).toEqual(['outside', 'raw']);
    await prisma.$disconnect();
  });

  it('runs the plain-SQL runner on the same connection, behind the same gate, both ways', async () => {
    const url = `file:${join(dir, 'runner.db')}`;
    await migrate(url);
    const clients = createClients(parseDatabaseUrl(url));
    const { sql } = clients;
    const prisma = await clients.prisma();
    const now = new Date();
    let inTransaction!: () => void;
    const started = new Promise<void>((resolve) => (inTransaction = resolve));
    const rolledBack = prisma
      .$transaction(async (tx) => {
        await tx.user.create({ data: { id: 'prisma-inside', createdAt: now, updatedAt: now } });
        inTransaction();
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await started;
    // The runner waits for Prisma's open transaction: it neither sees its row nor is undone with it.
    expect(await sql.rows('SELECT id FROM users', [])).toEqual([]);
    await sql.run('INSERT INTO users (id, created_at, updated_at) VALUES (?, ?, ?)', ['runner-outside', now, now]);
    expect(await rolledBack).toBe('roll back');

    // And a runner transaction keeps Prisma's queries out until it ends.
    let runnerStarted!: () => void;
    const runnerOpen = new Promise<void>((resolve) => (runnerStarted = resolve));
    const runnerTx = sql
      .transaction(async (tx) => {
        await tx.run('INSERT INTO users (id, created_at, updated_at) VALUES (?, ?, ?)', ['runner-inside', now, now]);
        runnerStarted();
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await runnerOpen;
    expect(await prisma.user.findMany({ select: { id: true } })).toEqual([{ id: 'runner-outside' }]);
    expect(await runnerTx).toBe('roll back');
    // Dates are written as Prisma writes them: Prisma reads the runner's row back exactly.
    expect(await prisma.user.findUnique({ where: { id: 'runner-outside' } })).toMatchObject({ createdAt: now });
    await prisma.$disconnect();
  });

  it("runs in WAL with synchronous = NORMAL (better-sqlite3's WAL default): a commit does not wait for an fsync", async () => {
    const url = `file:${join(dir, 'pragmas.db')}`;
    await migrate(url);
    const prisma = await createClients(parseDatabaseUrl(url)).prisma();
    const [journal] = await prisma.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
    const [sync] = await prisma.$queryRawUnsafe<{ synchronous: bigint | number }[]>('PRAGMA synchronous');
    expect(journal?.journal_mode).toBe('wal');
    expect(Number(sync?.synchronous)).toBe(1); // NORMAL; FULL (2) is SQLite's own default
    // A checkpoint (and its fsyncs, on the event loop) every 4,000 WAL pages, not SQLite's 1,000.
    const [checkpoint] = await prisma.$queryRawUnsafe<{ wal_autocheckpoint: bigint | number }[]>('PRAGMA wal_autocheckpoint');
    expect(Number(checkpoint?.wal_autocheckpoint)).toBe(4000);
    await prisma.$disconnect();
  });
});
