import { StorageError } from './driver.js';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps an SDK error to the contract's codes. A missing object arrives as NoSuchKey (GET, with
 * an XML body) or as a bare 404 named NotFound (HEAD has no body). A missing *bucket* is a
 * misconfiguration, not a missing object, so it stays E_STORAGE.
 */
export function toStorageError(error: unknown, what: string): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? e.Code;
  const status = e.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return new StorageError('E_STORAGE', `Bucket missing for ${what}`, { cause: error });
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new StorageError('E_NOT_FOUND', `No object at ${what}`, { cause: error });
  }
  if (name === 'InvalidRange' || status === 416) {
    return new StorageError('E_INVALID_RANGE', `Range not satisfiable for ${what}`, { cause: error });
  }
  return new StorageError('E_STORAGE', `S3 error on ${what}: ${name ?? String(error)}`, { cause: error });
}
