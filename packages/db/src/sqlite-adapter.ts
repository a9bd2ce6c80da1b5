import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { cacheStatements } from './sqlite-statement-cache.js';
import type { StatementCounter } from './statement-counter.js';
import { Gate } from './gate.js';
import type { SqliteConnection } from './sqlite-runner.js';

type Adapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/**
 * PrismaBetterSqlite3 7.10 with two fixes for a service:
 *
 * 1. Pragmas. It passes better-sqlite3's options through (so `timeout` sets the busy
 *    timeout) but has no hook for pragmas: they run on each connection as it opens.
 * 2. Isolation. The adapter uses one connection per client and serialises transactions
 *    behind each other, but not plain queries: a query of another request issued while an
 *    interactive transaction is open runs *inside* it, and is undone if that transaction
 *    rolls back. Here every plain query and every transaction takes one gate, so a plain
 *    query waits for an open transaction to end. better-sqlite3 is synchronous, so no
 *    parallelism is lost.
 *
 * And prepared statements are reused (sqlite-statement-cache.ts). The connection and its gate
 * are shared with the SqlRunner of the hot statements (sqlite-runner.ts).
 */
export class GatedBetterSqlite3 extends PrismaBetterSqlite3 {
  private opened: Promise<{ adapter: Adapter; client: BetterSqlite3.Database; connection: SqliteConnection }> | undefined;

  constructor(
    config: ConstructorParameters<typeof PrismaBetterSqlite3>[0],
    options: ConstructorParameters<typeof PrismaBetterSqlite3>[1],
    private readonly counter?: StatementCounter,
  ) {
    super(config, options);
  }

  /**
   * The one connection, opened on the first call, whoever asks first: Prisma (when its client is
   * loaded, prisma-client.ts) or the SqlRunner.
   */
  override async connect(): Promise<Adapter> {
    return (await this.open()).adapter;
  }

  /** The connection and its gate, for the SqlRunner that shares them (sqlite-runner.ts). */
  async connection(): Promise<SqliteConnection> {
    return (await this.open()).connection;
  }

  /** Closes the connection if it was opened and is still open (Prisma's $disconnect closes it too). */
  async close(): Promise<void> {
    const opened = await this.opened?.catch(() => undefined);
    if (opened?.client.open) opened.client.close();
  }

  /** Opens the connection once; after a failure (a file that cannot be opened), the next call tries again. */
  private open() {
    if (this.opened) return this.opened;
    const opening = super.connect().then(async (adapter) => {
      // journal_mode is persistent (migrate sets it too); repeating it is a no-op that also
      // covers a file created without migrate.
      // synchronous = NORMAL: in WAL mode a commit is not fsynced (a checkpoint is), so a power
      // loss may undo the last commits but never corrupts the file; a process crash loses nothing.
      // better-sqlite3 defaults to it only on a file already in WAL when opened; said here, it
      // holds for a file this connection switches to (FULL would fsync on the event loop).
      // wal_autocheckpoint = 4000 pages (16 MiB of WAL) instead of 1,000: the checkpoint that
      // follows a commit copies the WAL's pages into the file and fsyncs both, ~1 ms each on the
      // event loop; with ~19 WAL pages per small upload that was 60 fsyncs per 1,000 uploads,
      // now 15 (hot pages are copied once per checkpoint, not once per 4 MiB). Costs 12 MiB more
      // WAL on disk, which SQLite reuses rather than grows (docs/BENCHMARK.md, eighth round).
      await adapter.executeScript('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 4000;');
      // `client`: the better-sqlite3 Database the adapter queries (a public field upstream).
      const client = (adapter as unknown as { client: BetterSqlite3.Database }).client;
      const connection: SqliteConnection = { prepare: client.prepare.bind(client), gate: new Gate() };
      cacheStatements(client);
      const gated = gate(adapter, connection.gate);
      return { adapter: this.counter ? this.counter.wrap(gated) : gated, client, connection };
    });
    this.opened = opening;
    opening.catch(() => {
      if (this.opened === opening) this.opened = undefined;
    });
    return opening;
  }
}

function gate(adapter: Adapter, lock: Gate): Adapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  const executeRaw = adapter.executeRaw.bind(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.queryRaw = (query) => lock.run(() => queryRaw(query));
  adapter.executeRaw = (query) => lock.run(() => executeRaw(query));
  adapter.startTransaction = async (isolationLevel) => {
    const release = await lock.acquire();
    let tx: Transaction;
    try {
      tx = await startTransaction(isolationLevel);
    } catch (error) {
      release();
      throw error;
    }
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    tx.commit = () => commit().finally(release);
    tx.rollback = () => rollback().finally(release);
    return tx;
  };
  return adapter;
}
