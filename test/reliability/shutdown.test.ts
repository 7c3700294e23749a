import { genstoreEventKey } from '@hookinbox/genstore';
import { describe, expect, it } from 'vitest';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import { genstoreRequest, receiverProcesses, send, startReceiverProcess, type TestRequest } from './support.js';

const SECRET = 'gs-shutdown-secret';

const spawned = receiverProcesses();
const { prefixes, processes } = spawned;

async function start(env: Record<string, string>) {
  const prefix = uniquePrefix('shutdown');
  prefixes.push(prefix);
  const p = await startReceiverProcess({ REDIS_URL: redisUrl(), KEY_PREFIX: prefix, SECRET, ...env });
  processes.push(p);
  return p;
}

const SLEEP_MS: Record<string, number> = { 'short-1': 300, 'long-1': 60_000, 'after-sigterm': 0, 'quick-1': 200 };
const bodyOf = (id: string) => JSON.stringify({ id, sleepMs: SLEEP_MS[id] });

/** A delivery whose handler works as long as SLEEP_MS says. */
const delivery = (id: string): TestRequest =>
  genstoreRequest({ secret: SECRET, body: bodyOf(id), headers: { 'x-genstore-webhook-id': id } });
/** Its event id: the provider's dedupe key, from topic and body. */
const key = (id: string) => genstoreEventKey('orders/create', bodyOf(id), SECRET);

describe('SIGTERM on a receiver process', () => {
  it('with handlers in flight: new deliveries get 503 closing, short handlers finish, the one that cannot is named in the log, exit code 0', async () => {
    const p = await start({ CLOSE_TIMEOUT_MS: '1500' });
    for (const id of ['short-1', 'long-1']) {
      expect((await send(p.port, delivery(id))).status).toBe(200);
      await p.waitFor((r) => r.type === 'started' && r.id === key(id));
    }

    const signalled = performance.now();
    p.child.kill('SIGTERM');
    await p.waitFor((r) => r.type === 'closing');
    const refused = await send(p.port, delivery('after-sigterm'));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).error.code).toBe('closing');
    expect(refused.headers['retry-after']).toBeDefined();

    const exit = await p.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // It waited for the close timeout, not for the 60 s handler.
    expect(performance.now() - signalled).toBeLessThan(10_000);

    const handled = p.reports.filter((r) => r.type === 'handled').map((r) => (r as { id: string }).id);
    expect(handled).toEqual([key('short-1')]);
    const closed = p.reports.find((r) => r.type === 'closed');
    expect(closed).toEqual({
      type: 'closed',
      drained: false,
      pending: [{ name: 'orders/create', id: key('long-1') }],
    });
    // The operator finds the unfinished delivery by name in the process's log, and nothing about the rest.
    const log = p.output();
    expect(log).toContain(`orders/create ${key('long-1')}`);
    expect(log).not.toContain(key('short-1'));
    expect(p.reports.some((r) => r.type === 'started' && r.id === key('after-sigterm'))).toBe(false);
  }, 30_000);

  it('with handlers that finish within the timeout: drained, nothing reported pending, exit code 0', async () => {
    const p = await start({ CLOSE_TIMEOUT_MS: '5000' });
    expect((await send(p.port, delivery('quick-1'))).status).toBe(200);
    await p.waitFor((r) => r.type === 'started' && r.id === key('quick-1'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.reports.filter((r) => r.type === 'handled')).toEqual([{ type: 'handled', id: key('quick-1') }]);
    expect(p.reports.find((r) => r.type === 'closed')).toEqual({ type: 'closed', drained: true, pending: [] });
    expect(p.output()).not.toContain('unfinished');
  }, 30_000);
});
