// `steward servers list | set-action-account`: the management servers of this management group.
import type { Command } from 'commander';
import { apiPath, listOf } from '../../contract/client.js';
import { type ManagementServer, serverSchema } from '../../contract/servers.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { resolveTargets } from '../names.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import { accountIdOf } from './account.js';

const columns: Column<ManagementServer>[] = [
  { header: 'name', value: (s) => s.name },
  { header: 'id', value: (s) => s.id },
  { header: 'address', value: (s) => s.address },
  { header: 'version', value: (s) => s.version },
  { header: 'started', value: (s) => s.startedAt },
  { header: 'heartbeat', value: (s) => s.heartbeatAt },
  { header: 'live', value: (s) => s.live },
  { header: 'action account', value: (s) => s.defaultActionAccountId ?? '-' },
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

  servers
    .command('set-action-account')
    .description(
      "Set a management server's default action account: pool-hosted workflows on that server run as it",
    )
    .argument('<server>', 'server id (srv_…) or name')
    .argument('[account]', 'an action or Windows account: id (acct_…) or name')
    .option('--none', 'no account: pool work on this server runs as the server process user')
    .addHelpText(
      'after',
      `
As with an agent's default action account, the account must also be distributed to the server
(steward account distribute <account> --add <server>) before the server receives it; until then
pool work runs as the server process user. Workflows whose profile has an association run as
that account instead.

Example:
  steward servers set-action-account ms01 svc-scom-action`,
    )
    .action(async (server: string, account: string | undefined, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      if (Boolean(account) === Boolean(opts.none))
        throw CliError.fromCode('VALIDATION_FAILED', 'Give an account, or --none (not both).');
      const client = s.client();
      const [serverId] = await resolveTargets(client, [server]);
      if (!serverId!.startsWith('srv_'))
        throw CliError.fromCode('VALIDATION_FAILED', `'${server}' is not a management server.`);
      const accountId = account ? await accountIdOf(client, account) : null;
      const r = await client.request('PUT', apiPath`/api/v1/servers/${serverId!}/action-account`, {
        body: { accountId },
        schema: serverSchema,
      });
      s.out.result(r, () =>
        s.out.line(
          r.defaultActionAccountId
            ? `Management server ${r.name} (${r.id}) now runs its pool work as ${r.defaultActionAccountId}.`
            : `Management server ${r.name} (${r.id}) has no default action account: pool work runs as its process user.`,
        ),
      );
    });
}
