// Runs a bundled worker on workerd through Miniflare (which needs Node 22) and prints its URL as one JSON line; it
// stops when its standard input closes, so the test that spawned it never leaves it behind.
import { dirname } from 'node:path';
import { Miniflare } from 'miniflare';

const [scriptPath, bindingsJson] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  scriptPath,
  // Module names are paths under this root; the bundle sits in a temporary folder outside the working directory.
  modulesRoot: dirname(scriptPath),
  compatibilityDate: '2025-09-01',
  bindings: JSON.parse(bindingsJson),
  host: '127.0.0.1',
  port: 0,
});
const url = await mf.ready;
process.stdout.write(`${JSON.stringify({ url: url.href })}\n`);
const stop = () => mf.dispose().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
