/**
 * Child process of the benchmark: serves one row on 127.0.0.1, reports its port over IPC, counts its CPU time and
 * requests between `mark` and `report`, and stops when told.
 * Each server runs alone in its own process so that no row inherits another's heap, JIT state or timers.
 */
import type { ServerSpec } from './rows.js';
import { startServer } from './servers.js';

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'marked' }
  /** CPU time this process spent (user + system) and requests it answered since the last `mark`. */
  | { type: 'report'; cpuMicros: number; requests: number; workerCpuMicros?: number }
  | { type: 'stopped' };

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) resolve();
    else process.send(message, () => resolve());
  });

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;

try {
  const running = await startServer(spec);
  // Counted from the end of the warm-up, so the CPU per request excludes start-up and JIT compilation.
  let cpuAtMark = process.cpuUsage();
  let workerCpuAtMark = (await running.workerCpuMicros?.()) ?? 0;
  let requestsAtMark = 0;
  let requests = 0;
  running.server.on('request', () => {
    requests++;
  });
  process.on('message', async (message: { type?: string }) => {
    if (message?.type === 'mark') {
      await running.drain?.();
      cpuAtMark = process.cpuUsage();
      workerCpuAtMark = (await running.workerCpuMicros?.()) ?? 0;
      requestsAtMark = requests;
      await send({ type: 'marked' });
    } else if (message?.type === 'report') {
      await running.drain?.();
      const cpu = process.cpuUsage(cpuAtMark);
      const worker = await running.workerCpuMicros?.();
      await send({
        type: 'report',
        cpuMicros: cpu.user + cpu.system,
        requests: requests - requestsAtMark,
        ...(worker === undefined ? {} : { workerCpuMicros: worker - workerCpuAtMark }),
      });
    } else if (message?.type === 'stop') {
      // A profile covers the whole process: its reader needs every request, warm-up included.
      if (process.execArgv.includes('--cpu-prof')) process.stderr.write(`bench: ${requests} requests in all\n`);
      try {
        await running.close();
      } finally {
        await send({ type: 'stopped' });
        process.exit(0);
      }
    }
  });
  // The parent died: nothing will stop us otherwise.
  process.on('disconnect', () => process.exit(0));
  await send({ type: 'ready', port: running.port });
} catch (error) {
  await send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
