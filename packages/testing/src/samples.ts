import { genstoreSamples } from './genstore-samples.js';

/** Sample payloads by platform: `samples.genstore.ordersCreate`, `samples.genstore.customersRedact.snake`, … */
export const samples = {
  genstore: genstoreSamples,
};
