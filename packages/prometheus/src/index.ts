export { type CollectMetricsOptions, collectMetrics, type DepthSource } from './collect.js';
export { ACK_BUCKETS, HANDLER_BUCKETS } from './metrics.js';
