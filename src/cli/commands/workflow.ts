// `steward workflow list`: discoveries, rules, monitors and tasks that management packs declare.
import { type Command, Option } from 'commander';
import { type Workflow, workflowKinds, workflowListResponse } from '../../contract/packs.js';
import type { CliContext } from '../cli-context.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

const schedule = (w: Workflow) =>
  !w.schedule ? null : 'cron' in w.schedule ? w.schedule.cron : `every ${w.schedule.intervalSeconds} s`;

const columns: Column<Workflow>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'kind', value: (w) => w.kind },
  { header: 'target class', value: (w) => w.targetClassId },
  { header: 'profile', value: (w) => w.profileId },
  { header: 'schedule', value: schedule },
  { header: 'enabled', value: (w) => w.enabled },
  { header: 'pack', value: (w) => w.packId },
];

export function registerWorkflowCommands(program: Command, ctx: CliContext): void {
  const workflow = program
    .command('workflow')
    .description('Workflows: discoveries, rules, monitors and tasks');
  workflow
    .command('list')
    .description('List workflows')
    .option('--pack <id>', 'only those declared by this pack')
    .option('--profile <id>', 'only those that run as this Run As profile')
    .option('--class <id>', 'only those targeting this class')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(workflowKinds))
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/workflows', {
        query: { packId: opts.pack, profileId: opts.profile, targetClassId: opts.class, kind: opts.kind },
        schema: workflowListResponse,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No workflows.'));
    });
}
