export { runWorkers, selectRoles } from './boot.js';
export { createDispatch, MissingHandlerError, type JobsOfRole, type RoleHandlers } from './registry.js';
export { createLogger, type Logger } from './logger.js';
