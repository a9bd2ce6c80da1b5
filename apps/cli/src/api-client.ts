import { CliError, errorFromNetwork, errorFromResponse } from './errors.js';

/** The Airlock HTTP API (files API and upload status), JSON in and out, errors as CliError. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  /** Headers that authenticate a request; tus-js-client gets them too. */
  authHeaders(): Record<string, string> {
    if (!this.token) {
      throw new CliError('no token given', { hint: 'set AIRLOCK_TOKEN or pass --token; a development token: "airlock token <user>"' });
    }
    return { Authorization: `Bearer ${this.token}` };
  }

  /** Errors name the operation: "GET /files/abc: file not found". */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    return (await res.json()) as T;
  }

  /** For answers without a body (204). */
  async call(method: string, path: string, body?: unknown): Promise<void> {
    const res = await this.send(method, path, body);
    await res.body?.cancel();
  }

  /**
   * `Airlock-Chunk-Size` from `OPTIONS /uploads` (the server's CHUNK_SIZE; no token needed),
   * or null when the server does not say (an older server) or cannot be asked.
   */
  async advertisedChunkSize(): Promise<number | null> {
    const res = await fetch(`${this.baseUrl}/uploads`, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } }).catch(() => null);
    await res?.body?.cancel();
    const value = Number(res?.headers.get('airlock-chunk-size') ?? NaN);
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  }

  /** null on 404, for lookups that try something else next. */
  async jsonOrNull<T>(method: string, path: string): Promise<T | null> {
    try {
      return await this.json<T>(method, path);
    } catch (error) {
      if (error instanceof CliError && error.status === 404) return null;
      throw error;
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { ...this.authHeaders(), Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      throw errorFromNetwork(error, this.baseUrl);
    }
    if (!res.ok) throw errorFromResponse(res.status, await res.text(), `${method} ${path}`);
    return res;
  }
}
