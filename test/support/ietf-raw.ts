import http from 'node:http';

export interface DraftResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** 1xx answers before the final one (104 Upload Resumption Supported). */
  informational: { status: number; message: string; headers: http.IncomingHttpHeaders }[];
}

/**
 * One request of the IETF resumable-upload draft through node:http (fetch hides 1xx answers):
 * `Upload-Draft-Interop-Version: <version>` plus `headers`; `body` as given (a Content-Length is
 * sent unless `chunked`).
 */
export function draftRequest(
  url: string,
  method: string,
  version: number,
  headers: Record<string, string> = {},
  body?: Uint8Array,
  chunked = false,
): Promise<DraftResponse> {
  const informational: DraftResponse['informational'] = [];
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'Upload-Draft-Interop-Version': String(version), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, informational }));
      res.on('error', reject);
    });
    req.on('information', (info) => informational.push({ status: info.statusCode, message: info.statusMessage, headers: info.headers }));
    req.on('error', reject);
    if (body && !chunked) req.setHeader('Content-Length', body.length);
    req.end(body);
  });
}

/** The problem-details body of a draft error. */
export function problemOf(res: DraftResponse): { type: string; [member: string]: unknown } {
  if (res.headers['content-type'] !== 'application/problem+json') throw new Error(`not a problem: ${res.status} ${res.headers['content-type']} ${res.body}`);
  return JSON.parse(res.body);
}
