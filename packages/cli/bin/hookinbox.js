#!/usr/bin/env node
// The command's launcher, committed rather than built, so that installing the workspace links it before any build.
// It loads the package by its own name: the built dist normally, the TypeScript source under `--conditions=source`.
import process from 'node:process';

const cli = await import('@hookinbox/cli').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write(`hookinbox: the package is not built (${error.message}); run 'pnpm build' first\n`);
  return undefined;
});
process.exitCode = cli === undefined ? 1 : await cli.runCli(process.argv.slice(2));
