export { createHandlers, type JobContext, type JobHandler, type JobHandlers, type WorkerDeps } from './handlers.js';
export { cachedEngineVersion, engineLabel } from './engine-version.js';
export { collectGarbage, type GcOptions } from './jobs/collect-garbage.job.js';
export { enqueueStage, stageJobOptions, stageOf, type Stage } from './stage.js';
export { settle } from './settle.js';
export { lockedUpload, removeBytes, type BytesToRemove, type LockedUpload } from './bytes/remove-bytes.js';
