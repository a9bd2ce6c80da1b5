/** The parts of the files API (contract section 6) the dashboard uses. */

export type FileStatus = 'pending' | 'uploading' | 'assembling' | 'scanning' | 'complete' | 'quarantined' | 'rejected' | 'scan_failed' | 'failed';

export const TERMINAL: ReadonlySet<FileStatus> = new Set(['complete', 'quarantined', 'rejected', 'scan_failed', 'failed']);

export interface FileItem {
  id: string;
  original_filename: string | null;
  size_bytes: number | null;
  mime_type: string | null;
  checksum_sha256: string | null;
  status: FileStatus;
  failure_reason: string | null;
  created_at: string;
  scan: { result: 'clean' | 'infected' | 'error' | null; signature: string | null };
}

export interface Me {
  user_id: string;
  quota_bytes: number;
  used_bytes: number;
  reserved_bytes: number;
}

/** A non-2xx answer, with the contract's `{"error": {"code", "message"}}` when there was one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Api {
  me(): Promise<Me>;
  files(): Promise<FileItem[]>;
  downloadUrl(id: string): Promise<string>;
  deleteFile(id: string): Promise<void>;
  /**
   * From `OPTIONS /uploads` (no token needed): `Tus-Max-Size` and `Airlock-Chunk-Size` (the
   * server's CHUNK_SIZE), each null when absent.
   */
  uploadLimits(): Promise<{ maxUploadSize: number | null; chunkSize: number | null }>;
}

/** `base` is where the API lives (the page is served by the API, so its own directory). */
export function createApi(base: URL, token: () => string): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token()}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, base), {
      method,
      headers,
      cache: 'no-store',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'http_error', json?.error?.message ?? `HTTP ${res.status}`);
    return json as T;
  }

  return {
    me: () => call<Me>('GET', 'me'),
    // The newest 100 are what a page can show; older ones stay reachable through the API.
    files: async () => (await call<{ items: FileItem[] }>('GET', 'files?limit=100')).items,
    downloadUrl: async (id) => (await call<{ url: string }>('POST', `files/${encodeURIComponent(id)}/download-url`, {})).url,
    deleteFile: (id) => call<void>('DELETE', `files/${encodeURIComponent(id)}`),
    async uploadLimits() {
      const res = await fetch(new URL('uploads', base), { method: 'OPTIONS' }).catch(() => null);
      const positive = (header: string) => {
        const value = Number(res?.headers.get(header) ?? NaN);
        return Number.isSafeInteger(value) && value > 0 ? value : null;
      };
      return { maxUploadSize: positive('Tus-Max-Size'), chunkSize: positive('Airlock-Chunk-Size') };
    },
  };
}
