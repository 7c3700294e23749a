export * from './geins.js';
export {
  type GenstoreDeliveryOptions,
  type GenstoreTestDelivery,
  genstoreDelivery,
  genstoreSamples,
  type ShopifyHmacVector,
  type ShopifySample,
  shopifyHmacVectors,
  shopifySamples,
  signGenstore,
} from './genstore.js';
