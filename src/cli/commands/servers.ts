// `steward servers list`: the management servers of this management group.
import type { Command } from 'commander';
import { listOf } from '../../contract/client.js';
import { type ManagementServer, serverSchema } from '../../contract/servers.js';
import type { CliContext } from '../cli-context.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

const columns: Column<ManagementServer>[] = [
  { header: 'name', value: (s) => s.name },
  { header: 'id', value: (s) => s.id },
  { header: 'address', value: (s) => s.address },
  { header: 'version', value: (s) => s.version },
  { header: 'started', value: (s) => s.startedAt },
  { header: 'heartbeat', value: (s) => s.heartbeatAt },
  { header: 'live', value: (s) => s.live },
];

export function registerServersCommands(program: Command, ctx: CliContext): void {
  const servers = program.command('servers').description('Management servers sharing this database');
  servers
    .command('list')
    .description('List management servers; live ones take part in the automatic resource pools')
    .option('--live', 'only servers with a recent heartbeat')
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/servers', {
        query: { live: opts.live ? 'true' : undefined },
        schema: listOf(serverSchema),
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No management servers.'));
    });
}
