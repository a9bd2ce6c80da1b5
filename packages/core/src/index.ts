export * from './status.js';
export * from './errors.js';
export * from './types.js';
export * from './file-json.js';
export * from './readiness.js';
export * from './events.js';
export * from './scan-buckets.js';
