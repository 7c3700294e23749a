/**
 * Child process of the benchmark: serves one row on 127.0.0.1, reports its port over IPC, and stops when told.
 * Each server runs alone in its own process so that no row inherits another's heap, JIT state or timers.
 */
import type { ServerSpec } from './rows.js';
import { startServer } from './servers.js';

export type ChildMessage = { type: 'ready'; port: number } | { type: 'failed'; message: string } | { type: 'stopped' };

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) resolve();
    else process.send(message, () => resolve());
  });

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;

try {
  const running = await startServer(spec);
  process.on('message', async (message: { type?: string }) => {
    if (message?.type !== 'stop') return;
    try {
      await running.close();
    } finally {
      await send({ type: 'stopped' });
      process.exit(0);
    }
  });
  // The parent died: nothing will stop us otherwise.
  process.on('disconnect', () => process.exit(0));
  await send({ type: 'ready', port: running.port });
} catch (error) {
  await send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
