import { createHandlers } from '@airlock/pipeline';
import { runWorkers } from '@airlock/worker-runtime';

// The validator stage as its own deployable: scale it independently of the API and other stages.
await runWorkers(['validator'], 'airlock-validator', createHandlers);
