export * from './geins.js';
export {
  type GenstoreDeliveryOptions,
  type GenstoreTestDelivery,
  genstoreDelivery,
  genstoreSamples,
  signGenstore,
} from './genstore.js';
export { samples } from './samples.js';
