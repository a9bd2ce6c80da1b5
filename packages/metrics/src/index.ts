export { lifecycleMetrics } from './lifecycle.metrics.js';
export { queueMetrics, type QueueMetricsDeps } from './queue.metrics.js';
export { fromSource, type SourceFailure } from './source.js';
