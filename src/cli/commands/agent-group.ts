// The `steward agent` command group, shared by the daemon (its own options and action) and the admin subcommands.
import type { Command } from 'commander';

export function agentGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'agent') ??
    program
      .command('agent')
      .description(
        'Agents: run one on each managed computer (steward agent --server URL --token TOKEN), and administer them',
      )
  );
}
