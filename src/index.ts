#!/usr/bin/env node
// `steward`: the one entry point — server, agent and every administration command.
import { runCli } from './cli/main.js';

runCli(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
