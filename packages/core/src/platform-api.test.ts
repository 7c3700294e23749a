import { describe, expect, it } from 'vitest';
import {
  type PlatformApiCall,
  type PlatformApiCallOptions,
  PlatformApiError,
  type PlatformApiErrorDetails,
  type PlatformApiFetch,
  parseRetryAfter,
  platformApiRetrySchema,
  sendPlatformApiCall,
} from './platform-api.js';

class ExampleAdminError extends PlatformApiError {
  override readonly name = 'ExampleAdminError';

  constructor(message: string, details: PlatformApiErrorDetails) {
    super(message, 'example', details);
  }
}

/** A fake fetch answering from a script, one entry per call; records the calls it saw. */
function scripted(...answers: Array<() => Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch: PlatformApiFetch = async (url, init) => {
    calls.push({ url, init });
    const next = answers[calls.length - 1];
    if (next === undefined) throw new Error('unexpected call');
    return next();
  };
  return { fetch, calls };
}

const refused = () => {
  throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
};

const GET: PlatformApiCall = { method: 'GET', url: 'https://api.example/webhooks', headers: { accept: 'json' } };
const POST: PlatformApiCall = { ...GET, method: 'POST', json: { a: 1 } };

function options(fetch: PlatformApiFetch, extra: Partial<PlatformApiCallOptions> = {}): PlatformApiCallOptions {
  return {
    fetch,
    retry: platformApiRetrySchema.parse({ minDelayMs: 1, maxDelayMs: 5_000 }),
    prefix: '@hookinbox/example',
    createError: (message, details) => new ExampleAdminError(message, details),
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>): Promise<ExampleAdminError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExampleAdminError);
  return error as ExampleAdminError;
}

describe('platformApiRetrySchema', () => {
  it('fills in the documented defaults and refuses fewer than one attempt', () => {
    expect(platformApiRetrySchema.parse(undefined)).toEqual({
      attempts: 3,
      minDelayMs: 500,
      maxDelayMs: 30_000,
      factor: 2,
      timeoutMs: 30_000,
    });
    expect(platformApiRetrySchema.safeParse({ attempts: 0 }).success).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 30 Oct 2024 16:19:13 GMT');

  it('reads delta-seconds, fractions and HTTP dates; a past date is no wait', () => {
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('Wed, 30 Oct 2024 16:19:16 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Wed, 30 Oct 2024 16:19:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent, empty or unreadable', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('  ', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('sendPlatformApiCall', () => {
  it('sends the call as given and resolves with the parsed 2xx answer', async () => {
    const { fetch, calls } = scripted(() => Response.json({ ok: true }, { headers: { link: '<next>' } }));
    const response = await sendPlatformApiCall(POST, options(fetch));

    expect(response).toMatchObject({ status: 200, attempts: 1, body: { ok: true } });
    expect(response.headers.get('link')).toBe('<next>');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      url: POST.url,
      init: { method: 'POST', headers: { accept: 'json', 'content-type': 'application/json' }, body: '{"a":1}' },
    });
    expect(calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends no body and no content-type when the call has no json', async () => {
    const { fetch, calls } = scripted(() => new Response(null, { status: 204 }));
    expect(await sendPlatformApiCall(GET, options(fetch))).toMatchObject({ status: 204, body: undefined });
    expect(calls[0]?.init.body).toBeUndefined();
    expect(calls[0]?.init.headers).toEqual({ accept: 'json' });
  });

  it('keeps a body that is not JSON as text and an empty one as undefined', async () => {
    const { fetch } = scripted(
      () => new Response('plain words'),
      () => new Response(' '),
    );
    expect((await sendPlatformApiCall(GET, options(fetch))).body).toBe('plain words');
    expect((await sendPlatformApiCall(GET, options(fetch))).body).toBeUndefined();
  });

  it('parses with the parse hook when one is given', async () => {
    const { fetch } = scripted(() => new Response('{"id":1}'));
    const response = await sendPlatformApiCall(GET, options(fetch, { parseJson: (text) => ({ raw: text }) }));
    expect(response.body).toEqual({ raw: '{"id":1}' });
  });

  it('retries 5xx and 429 and resolves with the attempts it took', async () => {
    const { fetch, calls } = scripted(
      () => new Response('down', { status: 503 }),
      () => new Response('slow down', { status: 429, headers: { 'retry-after': '0' } }),
      () => Response.json([]),
    );
    const response = await sendPlatformApiCall(POST, options(fetch));
    expect(response).toMatchObject({ status: 200, attempts: 3, body: [] });
    expect(calls).toHaveLength(3);
  });

  it('never retries another 4xx and throws the factory’s error with status, body and call', async () => {
    const { fetch, calls } = scripted(() => Response.json({ errors: ['taken'] }, { status: 422 }));
    const error = await rejection(sendPlatformApiCall(GET, options(fetch)));

    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({
      name: 'ExampleAdminError',
      platform: 'example',
      status: 422,
      body: { errors: ['taken'] },
      method: 'GET',
      url: GET.url,
      attempts: 1,
      retryAfterMs: undefined,
    });
    expect(error.message).toBe(`@hookinbox/example: GET ${GET.url} answered 422: {"errors":["taken"]}`);
  });

  it('gives up after the configured attempts with the last answer', async () => {
    const { fetch, calls } = scripted(
      () => new Response('first', { status: 500 }),
      () => new Response('second', { status: 502 }),
    );
    const retry = platformApiRetrySchema.parse({ attempts: 2, minDelayMs: 1 });
    const error = await rejection(sendPlatformApiCall(GET, options(fetch, { retry })));

    expect(calls).toHaveLength(2);
    expect(error).toMatchObject({ status: 502, body: 'second', attempts: 2 });
    expect(error.message).toMatch(/answered 502: second after 2 attempts$/);
  });

  it('fails at once when Retry-After asks for longer than maxDelayMs', async () => {
    const { fetch, calls } = scripted(() => new Response('', { status: 429, headers: { 'retry-after': '120' } }));
    const error = await rejection(sendPlatformApiCall(GET, options(fetch)));

    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 120_000, attempts: 1, body: undefined });
  });

  it('retries a network failure on GET but not on POST, which could create twice', async () => {
    const get = scripted(refused, () => Response.json({ ok: true }));
    expect(await sendPlatformApiCall(GET, options(get.fetch))).toMatchObject({ attempts: 2, body: { ok: true } });

    const post = scripted(refused, () => Response.json({ ok: true }));
    const error = await rejection(sendPlatformApiCall(POST, options(post.fetch)));
    expect(post.calls).toHaveLength(1);
    expect(error).toMatchObject({ status: 0, method: 'POST', attempts: 1 });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).toBe(`@hookinbox/example: POST ${POST.url} got no answer (fetch failed: ECONNREFUSED)`);
  });
});
