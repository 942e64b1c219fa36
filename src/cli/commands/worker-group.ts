// `steward worker-group …`: hybrid worker groups — create, list, show, update, delete, add-agent, remove-agent.
import type { Command } from 'commander';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { okSchema } from '../../contract/common.js';
import { type WorkerGroup, workerGroupSchema } from '../../contract/hybrid-workers.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';
import { accountIdOf } from './account.js';

const groupList = listOf(workerGroupSchema);

/** Accepts a hybrid worker group id (hwg_…) or its name. */
export async function resolveWorkerGroup(client: Client, ref: string): Promise<WorkerGroup> {
  if (/^hwg_[a-z0-9]+$/.test(ref))
    return client.request('GET', apiPath`/api/v1/worker-groups/${ref}`, { schema: workerGroupSchema });
  const { items } = await client.request('GET', '/api/v1/worker-groups', { schema: groupList });
  const found =
    items.find((g) => g.name === ref) ?? items.find((g) => g.name.toLowerCase() === ref.toLowerCase());
  if (!found) throw CliError.fromCode('NOT_FOUND', `Hybrid worker group '${ref}' was not found.`);
  return found;
}

const columns: Column<WorkerGroup>[] = [
  { header: 'id', value: (g) => g.id },
  { header: 'name', value: (g) => g.name },
  { header: 'agents', value: (g) => g.workers.length },
  { header: 'available', value: (g) => g.workers.filter((w) => w.available).length },
  { header: 'run as', value: (g) => g.runAsAccountId ?? '(agent’s own account)' },
];

function printGroup(out: Output, g: WorkerGroup): void {
  out.fields([
    ['Id', g.id],
    ['Name', g.name],
    ['Description', g.description],
    ['Run As account', g.runAsAccountId ?? '(none: the agent’s default action account)'],
    ['Created', g.createdAt],
    ['Updated', g.updatedAt],
  ]);
  out.line('');
  out.table(
    g.workers,
    [
      { header: 'agent', value: (w) => w.agentId },
      { header: 'computer', value: (w) => w.computerName },
      { header: 'status', value: (w) => w.status },
      { header: 'available', value: (w) => w.available },
      { header: 'last seen', value: (w) => w.lastSeenAt },
    ],
    'No agents: add one with steward worker-group add-agent.',
  );
}

export function registerWorkerGroupCommands(program: Command, ctx: CliContext): void {
  const wg = program
    .command('worker-group')
    .description('Hybrid worker groups: agents that run jobs (administrators and authors manage them)');

  wg.command('list')
    .description('List hybrid worker groups')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/worker-groups', { schema: groupList });
      s.out.result(r, () => s.out.table(r.items, columns, 'No hybrid worker groups.'));
    });

  wg.command('show')
    .description('Show a hybrid worker group and its agents')
    .argument('<group>', 'group id (hwg_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const g = await resolveWorkerGroup(s.client(), ref);
      s.out.result(g, () => printGroup(s.out, g));
    });

  wg.command('create')
    .description('Create a hybrid worker group')
    .argument('<name>', 'a letter, then letters, digits, _ and - (at most 63)')
    .option('--description <text>', 'what it is for')
    .option(
      '--run-as <account>',
      'Run As account (id or name) its jobs run as; it must be distributed to its agents',
    )
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const g = await client.request('POST', '/api/v1/worker-groups', {
        body: {
          name,
          description: opts.description,
          ...(opts.runAs ? { runAsAccountId: await accountIdOf(client, opts.runAs) } : {}),
        },
        schema: workerGroupSchema,
      });
      s.out.result(g, () => s.out.line(`Created hybrid worker group ${g.name} (${g.id}).`));
    });

  wg.command('update')
    .description('Rename or describe a hybrid worker group, or change its Run As account')
    .argument('<group>', 'group id (hwg_…) or name')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--run-as <account>', 'Run As account (id or name) its jobs run as')
    .option('--no-run-as', 'run its jobs as each agent’s default action account')
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const body: Record<string, unknown> = {};
      if (opts.name !== undefined) body.name = opts.name;
      if (opts.description !== undefined) body.description = opts.description;
      if (opts.runAs === false) body.runAsAccountId = null;
      else if (typeof opts.runAs === 'string') body.runAsAccountId = await accountIdOf(client, opts.runAs);
      if (Object.keys(body).length === 0)
        throw CliError.fromCode('VALIDATION_FAILED', 'Give at least one change (see --help).');
      const { id } = await resolveWorkerGroup(client, ref);
      const g = await client.request('PATCH', apiPath`/api/v1/worker-groups/${id}`, {
        body,
        schema: workerGroupSchema,
      });
      s.out.result(g, () => s.out.line(`Updated hybrid worker group ${g.name} (${g.id}).`));
    });

  wg.command('delete')
    .description('Delete a hybrid worker group (refused while it has jobs that have not ended)')
    .argument('<group>', 'group id (hwg_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const g = await resolveWorkerGroup(client, ref);
      await client.request('DELETE', apiPath`/api/v1/worker-groups/${g.id}`, { schema: okSchema });
      s.out.result({ deleted: g.id }, () => s.out.line(`Deleted hybrid worker group ${g.name} (${g.id}).`));
    });

  for (const [verb, doing] of [
    ['add-agent', 'Add an agent to'],
    ['remove-agent', 'Remove an agent from'],
  ] as const)
    wg.command(verb)
      .description(`${doing} a hybrid worker group`)
      .argument('<group>', 'group id (hwg_…) or name')
      .argument('<agent>', 'agent id (cmp_…) or computer name')
      .action(async (ref: string, agent: string, _opts, cmd: Command) => {
        const s = session(ctx, cmd);
        const client = s.client();
        const { id } = await resolveWorkerGroup(client, ref);
        const g =
          verb === 'add-agent'
            ? await client.request('POST', apiPath`/api/v1/worker-groups/${id}/agents`, {
                body: { agentId: agent },
                schema: workerGroupSchema,
              })
            : await client.request('DELETE', apiPath`/api/v1/worker-groups/${id}/agents/${agent}`, {
                schema: workerGroupSchema,
              });
        s.out.result(g, () =>
          s.out.line(
            `${verb === 'add-agent' ? 'Added' : 'Removed'} ${agent} ${verb === 'add-agent' ? 'to' : 'from'} ${g.name}: ${g.workers.length} agent(s).`,
          ),
        );
      });
}
