export type { SendResult } from './deliver.js';
export type { CliIo } from './io.js';
export { type SendGeinsOptions, sendGeinsDelivery } from './platforms/geins.js';
export { type SendGenstoreOptions, sendGenstoreDelivery } from './platforms/genstore.js';
export { runCli } from './run.js';
