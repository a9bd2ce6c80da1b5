export { MissingSecretError, loadOrCreateSecret, readSecret, secretPath } from './secrets.js';
export { JWT_SECRET_NAME, mintHs256Token, resolveHsSecret, type HsSecret, type MintOptions } from './hs256.js';
