// `steward pool …`: list, show, create, update and delete resource pools of management servers.
import { type Command, Option } from 'commander';
import { apiPath, listOf } from '../../contract/client.js';
import { deletedSchema, type Pool, poolSchema } from '../../contract/inventory.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { collectList } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import { deletedSentence } from './object.js';

const memberNames = (p: Pool) => p.members.map((m) => (m.live ? m.name : `${m.name} (down)`));

const columns: Column<Pool>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'name', value: (p) => p.name },
  { header: 'display name', value: (p) => p.displayName },
  { header: 'membership', value: (p) => p.membership },
  { header: 'built in', value: (p) => p.builtIn },
  { header: 'members', value: memberNames },
];

export function registerPoolCommands(program: Command, ctx: CliContext): void {
  const pool = program
    .command('pool')
    .description('Resource pools: sets of management servers; pool work runs on one healthy member');

  pool
    .command('list')
    .description('List resource pools and their members')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/pools', { schema: listOf(poolSchema) });
      s.out.result(r, () => s.out.table(r.items, columns, 'No pools.'));
    });

  pool
    .command('show')
    .description('Show a resource pool and its members')
    .argument('<id>', 'pool id (pool_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const p = await s.client().request('GET', apiPath`/api/v1/pools/${id}`, { schema: poolSchema });
      s.out.result(p, () => {
        s.out.fields([
          ['Id', p.id],
          ['Name', p.name],
          ['Display name', p.displayName],
          ['Class', p.classId],
          ['Membership', p.membership],
          ['Built in', p.builtIn],
        ]);
        s.out.line('');
        s.out.table(
          p.members,
          [
            { header: 'server', value: (m) => m.id },
            { header: 'name', value: (m) => m.name },
            { header: 'live', value: (m) => m.live },
          ],
          'No members.',
        );
      });
    });

  pool
    .command('create')
    .description('Create a resource pool')
    .argument('<name>', 'lower-case letters, digits, dot, dash or underscore')
    .addOption(
      new Option('--membership <kind>', 'automatic: every live server; manual: the servers you name')
        .choices(['automatic', 'manual'])
        .default('manual'),
    )
    .option('--member <server-id>', 'a management server (srv_…) of a manual pool (repeatable)', collectList)
    .option('--display-name <name>', 'name shown to people')
    .addHelpText('after', '\nExample:\n  steward pool create sql-watchers --member srv_… --member srv_…')
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const p = await s.client().request('POST', '/api/v1/pools', {
        body: { name, displayName: opts.displayName, membership: opts.membership, members: opts.member },
        schema: poolSchema,
      });
      s.out.result(p, () =>
        s.out.line(`Created pool ${p.name} (${p.id}) with ${p.members.length} member(s).`),
      );
    });

  pool
    .command('update')
    .description('Change the display name or the members of a manual pool')
    .argument('<id>', 'pool id (pool_…)')
    .option('--display-name <name>', 'new display name')
    .option(
      '--member <server-id>',
      'the new member list (repeatable; replaces the current members)',
      collectList,
    )
    .option('--no-members', 'remove every member')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const body: Record<string, unknown> = {};
      if (opts.displayName !== undefined) body.displayName = opts.displayName;
      if (opts.member) body.members = opts.member;
      if (opts.members === false) body.members = [];
      if (Object.keys(body).length === 0) {
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give at least one change: --display-name, --member or --no-members.',
        );
      }
      const p = await s.client().request('PATCH', apiPath`/api/v1/pools/${id}`, { body, schema: poolSchema });
      s.out.result(p, () => s.out.line(`Updated pool ${p.name} (${p.id}).`));
    });

  pool
    .command('delete')
    .description('Delete a resource pool (not a built-in one); with --cascade, also the objects it hosts')
    .argument('<id>', 'pool id (pool_…)')
    .option('--cascade', 'also delete every object hosted on it')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('DELETE', apiPath`/api/v1/pools/${id}`, {
        query: { cascade: opts.cascade ? 'true' : undefined },
        schema: deletedSchema,
      });
      s.out.result(r, () => s.out.line(deletedSentence('pool', r.deleted)));
    });
}
