import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@airlock/core';
import { TusHttpError } from './tus-error.js';

export interface ChecksumSpoolOptions {
  /** `DATA_DIR/spool`: never the system temp dir (it may be small, shared, or a RAM disk). */
  dir: string;
  /** CHECKSUM_MAX_CHUNK_BYTES: a chunk with a checksum larger than this is refused (413). */
  maxChunkBytes: number;
  /** CHECKSUM_SPOOL_MAX_BYTES: what all spooled chunks of this process may hold at once (then 503). */
  maxTotalBytes: number;
}

/** One chunk's claim on the spool: at most `limit` bytes, released once. */
export interface SpoolTicket {
  readonly limit: number;
  /** Spools `source` while hashing it; the file is gone after `discard()` or a failure. */
  spool(source: Readable, algorithms: string[]): Promise<SpooledChunk>;
  release(): void;
}

export interface SpooledChunk {
  digests: Map<string, Buffer>;
  open(): Readable;
  discard(): Promise<void>;
}

/**
 * Chunks sent with `Upload-Checksum` or `Content-MD5` are verified before one byte of them
 * reaches the upload (tus checksum: "the Server MUST NOT append the data"), so they are
 * written to disk first while hashed. This bounds that disk: per chunk (a client may not make
 * us store more than CHECKSUM_MAX_CHUNK_BYTES) and per process (many clients together may
 * not fill the disk: beyond CHECKSUM_SPOOL_MAX_BYTES, 503 with Retry-After).
 *
 * Each process spools into `<dir>/<host>-<pid>`. At start it removes the directories of dead
 * processes of its own host (a kill -9 mid-spool leaves its file behind); GC removes any that
 * have not been touched for an hour (other hosts sharing DATA_DIR: packages/pipeline
 * jobs/gc/spool-leftovers.ts). A live spool is written
 * at least once per idle timeout, so its directory is never that old.
 */
export class ChecksumSpool {
  private reserved = 0;
  readonly ownDir: string;

  constructor(private readonly options: ChecksumSpoolOptions) {
    this.ownDir = path.join(options.dir, `${os.hostname()}-${process.pid}`);
  }

  get maxChunkBytes(): number {
    return this.options.maxChunkBytes;
  }

  /** Bytes currently claimed by chunks in flight (metrics and tests). */
  get inUse(): number {
    return this.reserved;
  }

  /** Removes what dead processes of this host left behind and creates this process's directory. */
  async init(): Promise<string[]> {
    await fs.promises.mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const removed: string[] = [];
    for (const name of await fs.promises.readdir(this.options.dir)) {
      const match = /^(.+)-(\d+)$/.exec(name);
      if (!match || match[1] !== os.hostname()) continue;
      const pid = Number(match[2]);
      if (pid !== process.pid && isAlive(pid)) continue;
      await fs.promises.rm(path.join(this.options.dir, name), { recursive: true, force: true });
      if (pid !== process.pid) removed.push(name);
    }
    await fs.promises.mkdir(this.ownDir, { recursive: true, mode: 0o700 });
    return removed;
  }

  /**
   * Claims room for one chunk before its body is read: `declared` is its Content-Length when
   * sent. 413 when the chunk is over the per-chunk cap, 503 when the process's spool is full.
   */
  reserve(declared: number | undefined): SpoolTicket {
    const { maxChunkBytes, maxTotalBytes } = this.options;
    if (declared !== undefined && declared > maxChunkBytes) throw new AppError('E_TOO_LARGE', tooLargeMessage(maxChunkBytes));
    const claim = declared ?? maxChunkBytes;
    if (this.reserved + claim > maxTotalBytes) {
      throw new AppError('E_UNAVAILABLE', 'too many checksummed chunks are being verified right now; retry shortly');
    }
    this.reserved += claim;
    let released = false;
    return {
      limit: claim,
      spool: (source, algorithms) => this.spool(source, algorithms, claim),
      release: () => {
        if (released) return;
        released = true;
        this.reserved -= claim;
      },
    };
  }

  private async spool(source: Readable, algorithms: string[], limit: number): Promise<SpooledChunk> {
    // Again each time: GC removes a spool directory left untouched for an hour, an idle
    // process's own included.
    await fs.promises.mkdir(this.ownDir, { recursive: true, mode: 0o700 });
    const dir = await fs.promises.mkdtemp(path.join(this.ownDir, 'chunk-'));
    const file = path.join(dir, 'chunk');
    const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
    const discard = () => fs.promises.rm(dir, { recursive: true, force: true });
    let seen = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        // A body without Content-Length (chunked) is cut at the cap, never spooled past it.
        if (seen > limit) return callback(tooLarge(limit));
        for (const [, hash] of hashes) hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, hashing, fs.createWriteStream(file, { mode: 0o600 }));
    } catch (error) {
      await discard();
      throw error;
    }
    return {
      digests: new Map(hashes.map(([algorithm, hash]) => [algorithm, hash.digest()])),
      open: () => fs.createReadStream(file),
      discard,
    };
  }
}

function tooLarge(limit: number): TusHttpError {
  return new TusHttpError(413, tooLargeMessage(limit));
}

function tooLargeMessage(limit: number): string {
  return `a chunk sent with Upload-Checksum or Content-MD5 may hold at most ${limit} bytes (CHECKSUM_MAX_CHUNK_BYTES); send smaller chunks`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
