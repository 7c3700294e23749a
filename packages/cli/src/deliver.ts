import type { OutgoingDelivery } from './platforms/types.js';

/** What the endpoint answered to a delivery. */
export interface SendResult {
  method: string;
  url: string;
  status: number;
  statusText: string;
  /** The answer's body as text. */
  body: string;
  /** From sending the request to the end of the answer's body. */
  latencyMs: number;
}

/** Posts one delivery and reads the whole answer; rejects when no answer came within `timeoutMs`. */
export async function deliver(delivery: OutgoingDelivery, timeoutMs = 10_000): Promise<SendResult> {
  const { method, url, headers, body } = delivery;
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, { method, headers, body, signal });
  const text = await response.text();
  const latencyMs = performance.now() - started;
  return { method, url, status: response.status, statusText: response.statusText, body: text, latencyMs };
}
