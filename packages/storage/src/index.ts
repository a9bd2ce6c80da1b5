export * from './driver.js';
export * from './keys.js';
export { createStorage, type StorageSettings } from './factory.js';
export { assertValidKey, assertValidPrefix } from './object-key.validator.js';
