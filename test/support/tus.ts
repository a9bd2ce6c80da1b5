import fs from 'node:fs';
import * as tus from 'tus-js-client';

export interface TusRun {
  upload: tus.Upload;
  done: Promise<void>;
}

/** Starts a tus-js-client upload of a file from disk (a path-based source, so it can resume). */
export function tusUpload(endpoint: string, token: string, file: string, options: Partial<tus.UploadOptions> = {}): TusRun {
  let upload!: tus.Upload;
  const done = new Promise<void>((resolve, reject) => {
    upload = new tus.Upload(fs.createReadStream(file), {
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
