import { createHandlers } from '@airlock/pipeline';
import { runWorkers } from '@airlock/worker-runtime';

// The janitor stage as its own deployable: scale it independently of the API and other stages.
await runWorkers(['janitor'], 'airlock-janitor', createHandlers);
