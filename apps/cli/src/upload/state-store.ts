import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PreviousUpload, UrlStorage } from 'tus-js-client';

interface StoredUpload {
  fingerprint: string;
  uploadUrl: string | null;
  size: number | null;
  metadata: Record<string, string>;
  creationTime: string;
}

interface StateFile {
  version: 1;
  uploads: Record<string, StoredUpload>;
}

/** Entries older than this are dropped on the next write: the server expired those uploads long ago. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

/**
 * tus-js-client's URL storage as one JSON file (`<stateDir>/uploads.json`), so an upload killed
 * half-way resumes on the next run. Unlike tus-js-client's own FileUrlStorage, every write goes
 * to a temporary file renamed over the old one: a process killed mid-write (the very case this
 * file exists for) never leaves a truncated JSON that would break every later run. A lock
 * directory serialises writers across processes; a promise chain within one.
 */
export class JsonStateStore implements UrlStorage {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'uploads.json');
  }

  async findAllUploads(): Promise<PreviousUpload[]> {
    return this.entries(() => true);
  }

  /** Newest first, so the caller resumes the latest attempt. */
  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    return this.entries((entry) => entry.fingerprint === fingerprint);
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const key = randomUUID();
    await this.update((state) => {
      state.uploads[key] = {
        fingerprint,
        uploadUrl: upload.uploadUrl ?? null,
        size: upload.size ?? null,
        metadata: upload.metadata ?? {},
        creationTime: new Date().toISOString(),
      };
    });
    return key;
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    await this.update((state) => {
      delete state.uploads[urlStorageKey];
    });
  }

  /**
   * Resolves once every write started so far has landed. tus-js-client removes an entry
   * without waiting for it, so the CLI awaits this before it exits.
   */
  async settled(): Promise<void> {
    await this.queue.catch(() => {});
  }

  private async entries(match: (entry: StoredUpload) => boolean): Promise<PreviousUpload[]> {
    const state = this.read();
    return Object.entries(state.uploads)
      .filter(([, entry]) => match(entry))
      .sort(([, a], [, b]) => b.creationTime.localeCompare(a.creationTime))
      .map(([key, entry]) => ({
        size: entry.size,
        metadata: entry.metadata,
        creationTime: entry.creationTime,
        urlStorageKey: key,
        uploadUrl: entry.uploadUrl,
        parallelUploadUrls: null,
      }));
  }

  private update(change: (state: StateFile) => void): Promise<void> {
    const run = this.queue.then(() =>
      this.withLock(() => {
        const state = this.read();
        change(state);
        const cutoff = Date.now() - MAX_AGE_MS;
        for (const [key, entry] of Object.entries(state.uploads)) {
          if (Date.parse(entry.creationTime) < cutoff) delete state.uploads[key];
        }
        const temporary = `${this.file}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
        fs.renameSync(temporary, this.file);
      }),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  /** A missing or unreadable file is an empty state: losing it costs a restart from byte 0, nothing more. */
  private read(): StateFile {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<StateFile>;
      if (parsed.version === 1 && parsed.uploads && typeof parsed.uploads === 'object') return parsed as StateFile;
    } catch {
      // ENOENT on the first run; anything else is not worth failing an upload over.
    }
    return { version: 1, uploads: {} };
  }

  /** mkdir is atomic everywhere: whoever creates the directory holds the lock. */
  private async withLock(work: () => void): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // A process killed while holding the lock leaves it behind; it is stale after a while.
        if (isOlderThan(lock, LOCK_STALE_MS)) fs.rmSync(lock, { recursive: true, force: true });
        else if (Date.now() > deadline) throw new Error(`${lock} is held by another airlock process`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    try {
      work();
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}
