export { loadConfig, loadConfigOrExit, ConfigError, type Config } from './config.js';
export { DEFAULT_ALLOWED_TYPES, envSchema } from './schema.js';
export { SECRET_VARIABLES } from './secret-files.js';
export { prepareDataDir } from './data-dir.js';
