import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';

/** The API's default CHUNK_SIZE, for a server that does not advertise `Airlock-Chunk-Size`. */
const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** From this size a file goes up as parallel partial uploads joined by tus concatenation. */
export const PARALLEL_FROM_BYTES = 64 * 1024 * 1024;
const PARALLEL_PARTS = 3;

interface UploaderOptions {
  target: HTMLElement;
  /** Absolute URL of the tus endpoint (`/uploads`). */
  endpoint: string;
  token: () => string;
  maxFileSize: number | null;
  /** The server's CHUNK_SIZE (`Airlock-Chunk-Size` on OPTIONS /uploads): each PATCH is one chunk. */
  chunkSize: number | null;
  /** An upload started, finished or failed: time to look at the files list again. */
  onActivity: () => void;
}

/**
 * Uppy Dashboard over `@uppy/tus`, unchanged: resumable (the upload URL is kept in
 * localStorage under Uppy's fingerprint of the file, so adding the same file again after a
 * reload or a lost connection continues where the server stopped), forgotten once finished.
 */
export function createUploader({ target, endpoint, token, maxFileSize, chunkSize, onActivity }: UploaderOptions) {
  const uppy = new Uppy({
    id: 'airlock',
    autoProceed: false,
    restrictions: maxFileSize ? { maxFileSize } : {},
  })
    .use(Dashboard, {
      target,
      inline: true,
      width: '100%',
      // Shorter on a phone, where the files list sits below it.
      height: window.matchMedia('(max-width: 640px)').matches ? 280 : 360,
      theme: 'light',
      proudlyDisplayPoweredByUppy: false,
      showRemoveButtonAfterComplete: true,
      note: 'Every file is scanned for malware before it can be downloaded.',
    })
    .use(Tus, {
      endpoint,
      // Read when each upload starts, so a token saved a moment ago is the one sent.
      headers: () => ({ Authorization: `Bearer ${token()}` }),
      chunkSize: chunkSize ?? DEFAULT_CHUNK_SIZE,
      removeFingerprintOnSuccess: true,
      // Only the name and type travel as tus metadata (`filename`/`filetype` are added from them).
      allowedMetaFields: ['name', 'type'],
      retryDelays: [0, 1000, 3000, 5000],
    });

  uppy.on('file-added', (file) => {
    // The server supports concatenation: a large file goes up as parallel parts.
    if ((file.size ?? 0) >= PARALLEL_FROM_BYTES) uppy.setFileState(file.id, { tus: { parallelUploads: PARALLEL_PARTS } });
  });
  uppy.on('upload', onActivity);
  uppy.on('upload-success', onActivity);
  uppy.on('upload-error', onActivity);
  uppy.on('complete', onActivity);

  return {
    /** True while Uppy still has bytes to send. */
    busy: () => uppy.getFiles().some((file) => file.progress.uploadStarted && !file.progress.uploadComplete && !file.error),
  };
}
