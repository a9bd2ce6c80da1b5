/**
 * tus-js-client 4.3.1 reads `protocol` (`'tus-v1'`, `'ietf-draft-03'`, `'ietf-draft-05'`:
 * lib/upload.js) but its typings leave the option out.
 */
declare module 'tus-js-client' {
  interface UploadOptions {
    protocol?: 'tus-v1' | 'ietf-draft-03' | 'ietf-draft-05';
  }
}

export {};
