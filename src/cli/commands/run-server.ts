// `steward server`: runs a management server (settings come from STEWARD_ variables).
import type { Command } from 'commander';
import { runServer } from '../../server/main.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description(
      'Run a management server. Settings come from the environment (STEWARD_*, DATABASE_URL); see README.',
    )
    .action(async () => {
      await runServer(process.env);
    });
}
