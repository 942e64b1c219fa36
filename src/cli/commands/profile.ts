// `steward profile list`: the Run As profiles that management packs declare.
import type { Command } from 'commander';
import { type Profile, profileListResponse } from '../../contract/packs.js';
import type { CliContext } from '../cli-context.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

const columns: Column<Profile>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'display name', value: (p) => p.displayName },
  { header: 'pack', value: (p) => p.packId },
  { header: 'context class', value: (p) => p.contextClassId },
  { header: 'workflows', value: (p) => p.workflowCount },
];

export function registerProfileCommands(program: Command, ctx: CliContext): void {
  const profile = program
    .command('profile')
    .description('Run As profiles: what a workflow names to get its credentials');
  profile
    .command('list')
    .description('List Run As profiles')
    .option('--pack <id>', 'only those declared by this pack')
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/profiles', {
        query: { packId: opts.pack },
        schema: profileListResponse,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No Run As profiles.'));
    });
}
