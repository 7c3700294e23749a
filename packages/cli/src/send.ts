import { createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse, readPlatform } from './args.js';
import { loadGeinsDefinitions } from './definitions.js';
import { CliUsageError } from './errors.js';
import { SEND_HELP } from './help.js';
import type { CliIo } from './io.js';
import { sampleGenstorePayload } from './samples.js';

/** What the endpoint answered to a test delivery. */
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

/** Options of {@link sendGenstoreDelivery}. */
export interface SendGenstoreOptions {
  url: string;
  topic: string;
  /** The app's client secret, which signs the body. */
  secret: string;
  /** The exact body; an object is sent as its JSON. Default: a sample for the topic. */
  body?: string | Buffer | object;
  /** Shop subdomain for `X-Genstore-Shop-Domain` (default `demo-shop`). */
  shop?: string;
  /** `X-Genstore-Webhook-Id` (default: a random UUID). */
  webhookId?: string;
  /** Extra headers, lower-case names; they override the computed ones. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Post one Genstore delivery signed as Genstore signs: `X-Genstore-Hmac-Sha256` is the base64 HMAC-SHA256 of the
 * exact body bytes under the client secret.
 */
export async function sendGenstoreDelivery(options: SendGenstoreOptions): Promise<SendResult> {
  const shop = options.shop ?? 'demo-shop';
  const body =
    typeof options.body === 'string' || Buffer.isBuffer(options.body)
      ? Buffer.from(options.body)
      : Buffer.from(JSON.stringify(options.body ?? sampleGenstorePayload(options.topic, shop)));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-genstore-topic': options.topic,
    'x-genstore-hmac-sha256': createHmac('sha256', options.secret).update(body).digest('base64'),
    'x-genstore-shop-domain': shop.includes('.') ? shop : `${shop}.genmystore.com`,
    'x-genstore-webhook-id': options.webhookId ?? randomUUID(),
    ...options.headers,
  };
  return post('POST', options.url, headers, body, options.timeoutMs);
}

/** Options of {@link sendGeinsDelivery}. */
export interface SendGeinsOptions {
  url: string;
  method?: string;
  /** Lower-case names. `x-idempotency-key` and `x-timestamp` are added when absent. */
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/** Post one Geins delivery as given, with `x-idempotency-key` and `x-timestamp` as Geins adds them. */
export async function sendGeinsDelivery(options: SendGeinsOptions): Promise<SendResult> {
  const method = (options.method ?? 'POST').toUpperCase();
  const body = options.body === undefined || method === 'GET' ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = {
    'x-idempotency-key': randomUUID(),
    'x-timestamp': new Date().toISOString(),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  };
  return post(method, options.url, headers, body, options.timeoutMs);
}

/** Fills `{{name}}` placeholders as Geins does: plain text, missing ones empty. */
export function renderGeinsTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : '',
  );
}

const QUICK_START_BODY = '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}';

async function post(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  timeoutMs = 10_000,
): Promise<SendResult> {
  const started = performance.now();
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  const latencyMs = performance.now() - started;
  return { method, url, status: response.status, statusText: response.statusText, body: text, latencyMs };
}

function parseHeaders(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (list as string[] | undefined) ?? []) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(line)) {
      throw new CliUsageError(`hookinbox send: --header must look like 'name: value', got ${JSON.stringify(line)}`);
    }
    out[name.toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

function checkUrl(url: string | undefined, what = '--url'): string {
  if (!url) throw new CliUsageError(`hookinbox send: ${what} is required`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new CliUsageError(`hookinbox send: ${what} must be an http(s) URL, got ${url}`);
  }
  return url;
}

async function readPayload(file: string | undefined, cwd: string): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(resolve(cwd, file));
  } catch (error) {
    throw new CliUsageError(`hookinbox send: cannot read --payload ${file}: ${(error as Error).message}`);
  }
}

/** `hookinbox send` */
export async function sendCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      platform: { type: 'string' },
      url: { type: 'string' },
      header: { type: 'string', multiple: true },
      payload: { type: 'string' },
      topic: { type: 'string' },
      secret: { type: 'string' },
      shop: { type: 'string' },
      'webhook-id': { type: 'string' },
      entity: { type: 'string' },
      action: { type: 'string' },
      id: { type: 'string' },
      method: { type: 'string' },
      account: { type: 'string' },
      environment: { type: 'string' },
      'sub-entity': { type: 'string' },
      'idempotency-key': { type: 'string' },
      definitions: { type: 'string' },
      name: { type: 'string' },
    },
    'send',
  );
  if (values.help) {
    io.stdout.write(SEND_HELP);
    return 0;
  }
  const str = (key: string) => values[key] as string | undefined;
  const platform = readPlatform(str('platform'), 'send');
  const extraHeaders = parseHeaders(values.header);
  const payload = await readPayload(str('payload'), io.cwd);

  let result: SendResult;
  let label: string;
  if (platform === 'genstore') {
    const url = checkUrl(str('url'));
    const topic = str('topic');
    if (!topic) throw new CliUsageError('hookinbox send: genstore needs --topic, e.g. --topic orders/create');
    const secret = str('secret') ?? io.env.GENSTORE_CLIENT_SECRET;
    if (!secret) {
      throw new CliUsageError(
        'hookinbox send: genstore deliveries are signed with the app client secret: pass --secret or set GENSTORE_CLIENT_SECRET',
      );
    }
    label = topic;
    result = await sendGenstoreDelivery({
      url,
      topic,
      secret,
      body: payload,
      shop: str('shop') ?? io.env.GENSTORE_SHOP ?? undefined,
      webhookId: str('webhook-id'),
      headers: extraHeaders,
    });
  } else {
    const placeholders: Record<string, string> = {
      id: str('id') ?? '12345',
      account: str('account') ?? 'demo',
      environment: str('environment') ?? 'prod',
      subEntity: str('sub-entity') ?? '',
    };
    let url: string;
    let method = (str('method') ?? 'POST').toUpperCase();
    let headers: Record<string, string> = {};
    let body: string | undefined;
    if (str('definitions') !== undefined) {
      const definition = await pickDefinition(str('definitions') as string, str('name'), io.cwd);
      const rendered = definition.render({
        action: str('action'),
        id: placeholders.id,
        account: placeholders.account,
        environment: placeholders.environment,
        values: { subEntity: placeholders.subEntity as string },
        idempotencyKey: str('idempotency-key'),
      });
      url = rendered.url;
      const target = str('url');
      if (target !== undefined) {
        const to = new URL(checkUrl(target));
        const from = new URL(url);
        url = `${to.origin}${from.pathname}${from.search}`;
      }
      method = str('method') ? method : rendered.method;
      headers = rendered.headers;
      body = payload === undefined ? rendered.body : payload.toString('utf8');
      label = `${definition.entity}.${str('action') ?? definition.actions[0]}`;
    } else {
      const entity = str('entity');
      const action = str('action');
      if (!entity || !action) {
        throw new CliUsageError('hookinbox send: geins needs --entity and --action (or --definitions)');
      }
      Object.assign(placeholders, { entity, action });
      url = renderGeinsTemplate(checkUrl(str('url')), placeholders);
      const template = payload === undefined ? QUICK_START_BODY : payload.toString('utf8');
      body = method === 'GET' ? undefined : renderGeinsTemplate(template, placeholders);
      label = `${entity}.${action}`;
    }
    const key = str('idempotency-key');
    result = await sendGeinsDelivery({
      url,
      method,
      headers: { ...headers, ...(key === undefined ? {} : { 'x-idempotency-key': key }), ...extraHeaders },
      body,
    });
  }

  io.stdout.write(`${result.method} ${result.url} (${label})\n`);
  io.stdout.write(`${result.status} ${result.statusText} in ${Math.round(result.latencyMs)} ms\n`);
  if (result.body !== '') io.stdout.write(`${result.body}\n`);
  return result.status >= 200 && result.status < 300 ? 0 : 1;
}

async function pickDefinition(file: string, name: string | undefined, cwd: string) {
  const loaded = await loadGeinsDefinitions(file, cwd);
  const { isGeinsWebhookDefinition } = await import('@hookinbox/geins');
  const definitions = loaded.filter(isGeinsWebhookDefinition);
  const found = name === undefined ? definitions : definitions.filter((d) => d.name === name);
  if (found.length === 1) return found[0] as (typeof definitions)[number];
  const names = definitions.map((d) => JSON.stringify(d.name)).join(', ');
  throw new CliUsageError(
    name === undefined
      ? `hookinbox send: ${file} has ${definitions.length} definitions (${names}); pick one with --name`
      : `hookinbox send: no definition named ${JSON.stringify(name)} in ${file} (it has ${names || 'none made with defineGeinsWebhook'})`,
  );
}
