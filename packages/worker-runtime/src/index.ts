export { runWorkers, selectRoles } from './boot.js';
export { createDispatch, MissingHandlerError } from './registry.js';
export { createHandlers, type JobHandlers, type JobContext, type WorkerDeps } from './handlers.js';
export { createLogger, type Logger } from './logger.js';
