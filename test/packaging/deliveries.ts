import { randomUUID } from 'node:crypto';
import { geinsDelivery, genstoreDelivery, genstoreSamples } from '@hookinbox/testing';
import type { CheckedBlock } from './readme-blocks.js';

/** The secrets the apps read from the environment, and sign or carry every delivery with. */
export const SECRETS = {
  GENSTORE_CLIENT_SECRET: 'packaging-check-genstore-secret',
  GEINS_WEBHOOK_SECRET: 'packaging-check-geins-secret',
} as const;

export interface Delivery {
  headers: Record<string, string>;
  body: Buffer;
}

/** A sample payload for a Genstore topic, from `@hookinbox/testing` (the snake_case shape of compliance topics). */
function genstorePayload(topic: string): unknown {
  const key = topic.replace(/[/_](\w)/g, (_, c: string) => c.toUpperCase()) as keyof typeof genstoreSamples;
  const sample = genstoreSamples[key] as unknown;
  if (sample === undefined) throw new Error(`no sample payload for the Genstore topic ${topic}`);
  return typeof sample === 'object' && sample !== null && 'snake' in sample ? sample.snake : sample;
}

/**
 * One authentic delivery of the block's `send` event; none is a duplicate of another. Genstore deliveries are deduped
 * by their signature (the body's HMAC), not their webhook id, so each gets a body of its own too.
 */
export function deliveryFor(send: NonNullable<CheckedBlock['send']>, geinsBody?: string): Delivery {
  if (send.platform === 'genstore') {
    const sample = genstorePayload(send.name);
    return genstoreDelivery({
      topic: send.name,
      payload: typeof sample === 'object' && sample !== null ? { ...sample, packaging_check: randomUUID() } : sample,
      secret: SECRETS.GENSTORE_CLIENT_SECRET,
      webhookId: randomUUID(),
    });
  }
  const [entity, action] = send.name.split('.');
  return geinsDelivery({
    bodyTemplate: geinsBody,
    values: { entity, action, id: [1001, 1002] },
    secret: SECRETS.GEINS_WEBHOOK_SECRET,
  });
}
