import type { ObjectRef } from './driver.js';

/**
 * Where Airlock keeps what. Quarantine keys are the tus upload ids (the tus stores write
 * there themselves, with sidecar objects); final keys fan out by the first two characters
 * of the file id so no folder or listing grows without bound.
 */
export function quarantineRef(uploadId: string): ObjectRef {
  return { area: 'quarantine', key: uploadId };
}

/** The metadata objects the tus stores keep beside an upload's bytes (file store: `.json`; S3 store: `.info`, `.part`). */
export function quarantineSidecars(uploadId: string): ObjectRef[] {
  return ['.json', '.info', '.part'].map((suffix) => ({ area: 'quarantine', key: `${uploadId}${suffix}` }));
}

export function finalKey(fileId: string): string {
  return `${fileId.slice(0, 2)}/${fileId}`;
}

export function finalRef(key: string): ObjectRef {
  return { area: 'final', key };
}
