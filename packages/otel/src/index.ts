export { ATTR, HANDLER_FAILED_EVENT } from './attributes.js';
export { createTracing, type TracingOptions } from './tracing.js';
