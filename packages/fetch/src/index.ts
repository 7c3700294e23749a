export { createFetchHandler, type FetchContext, type FetchHandler } from './handler.js';
export type { FetchHandlerOptions } from './options.js';
export { detectRuntime, type FetchRuntime } from './runtime.js';
