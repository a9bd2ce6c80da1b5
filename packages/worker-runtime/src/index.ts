export { runWorkers, selectRoles } from './boot.js';
export { createDispatch, MissingHandlerError } from './registry.js';
export { createLogger, type Logger } from './logger.js';
