import { createHandlers } from '@airlock/pipeline';
import { runWorkers } from '@airlock/worker-runtime';

// Webhook deliveries as their own deployable: a slow or failing receiver (10 s per attempt)
// never takes a slot from the pipeline stages, and only this process needs outbound access.
await runWorkers(['notifier'], 'airlock-notifier', createHandlers);
