import { createHandlers } from '@airlock/pipeline';
import { runWorkers } from '@airlock/worker-runtime';

// Every worker role in one process, for a small deployment; WORKER_QUEUES narrows it.
await runWorkers('all', 'airlock-worker', createHandlers);
