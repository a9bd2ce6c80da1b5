import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import * as tus from 'tus-js-client';

// tus-js-client 4.3.1 reads `protocol` (lib/upload.js) but its typings leave it out.
declare module 'tus-js-client' {
  interface UploadOptions {
    protocol?: 'tus-v1' | 'ietf-draft-03' | 'ietf-draft-05';
  }
}

export interface TusRun {
  upload: tus.Upload;
  done: Promise<void>;
}

/**
 * Starts a tus-js-client upload of a file from disk: a path-based source, so it can resume;
 * with `asStream`, a plain stream of unknown length instead (how a deferred length is used:
 * tus-js-client 4.3.1 never ends a deferred upload from a path-based source, against bare
 * @tus/server too).
 */
export function tusUpload(endpoint: string, token: string, file: string, options: Partial<tus.UploadOptions> = {}, asStream = false): TusRun {
  let upload!: tus.Upload;
  const source = asStream ? fs.createReadStream(file).pipe(new PassThrough()) : fs.createReadStream(file);
  const done = new Promise<void>((resolve, reject) => {
    upload = new tus.Upload(source, {
      endpoint: `${endpoint}/uploads`,
      headers: { Authorization: `Bearer ${token}` },
      chunkSize: 5 * 1024 * 1024,
      retryDelays: [],
      metadata: { filename: 'source.bin', filetype: 'application/octet-stream' },
      storeFingerprintForResuming: false,
      ...options,
      onSuccess: () => resolve(),
      onError: (error) => reject(error),
    });
  });
  upload.start();
  return { upload, done };
}

export function uploadIdOf(upload: tus.Upload): string {
  const url = upload.url;
  if (!url) throw new Error('upload has no URL yet');
  return url.slice(url.lastIndexOf('/') + 1);
}
