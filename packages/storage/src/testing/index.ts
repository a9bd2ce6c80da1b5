export { describeStorageDriver, type StorageContractOptions, type DriverUnderTest } from './storage.contract.js';
export { INVALID_KEYS } from './storage-safety.contract.js';
export { bodyOf, collect, failingBody, patternedBody, readAll, sha256 } from './body.fixtures.js';
