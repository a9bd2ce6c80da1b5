export * from './driver.js';
export * from './keys.js';
export { createStorage } from './factory.js';
export { assertValidKey, assertValidPrefix } from './object-key.validator.js';
