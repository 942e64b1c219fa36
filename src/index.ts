#!/usr/bin/env node
// `steward`: the one entry point — server, agent and every administration command.
import { runCli } from './cli/main.js';
import { errorLine } from './store/db-errors.js';

// A reader that stops early (`steward … | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

runCli(process.argv).catch((err: unknown) => {
  process.stderr.write(`${errorLine(err)}\n`);
  process.exit(1);
});
