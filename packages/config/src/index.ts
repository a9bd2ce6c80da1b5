export { loadConfig, loadConfigOrExit, ConfigError, type Config } from './config.js';
export { DEFAULT_ALLOWED_TYPES } from './schema.js';
export { prepareDataDir } from './data-dir.js';
