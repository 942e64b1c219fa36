// `steward server`: runs a management server (settings come from STEWARD_ variables).
import type { Command } from 'commander';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description(
      'Run a management server. Settings come from the environment (STEWARD_*, DATABASE_URL); see README.',
    )
    .action(async () => {
      // Loaded here, not at the top: every other command starts faster without the server's modules.
      const { runServer } = await import('../../server/main.js');
      await runServer(process.env);
    });
}
