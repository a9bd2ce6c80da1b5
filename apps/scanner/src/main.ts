import { createHandlers } from '@airlock/pipeline';
import { runWorkers } from '@airlock/worker-runtime';

// The scanner stage as its own deployable: scale it independently of the API and other stages.
await runWorkers(['scanner'], 'airlock-scanner', createHandlers);
