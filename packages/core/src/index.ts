export * from './status.js';
export * from './errors.js';
export * from './types.js';
