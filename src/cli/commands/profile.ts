// `steward profile …`: the Run As profiles that management packs declare, and their associations with accounts.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { type AssociationDto, associationSchema } from '../../contract/accounts.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { type Profile, profileListResponse } from '../../contract/packs.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { resolveClass, resolveGroup, resolveObject } from '../names.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import { accountIdOf, accountNames, named } from './account.js';
import { scopeText } from './explain.js';
import { registerProfileManageCommands } from './profile-manage.js';

const columns: Column<Profile>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'display name', value: (p) => p.displayName },
  { header: 'pack', value: (p) => p.packId },
  { header: 'context class', value: (p) => p.contextClassId },
  { header: 'workflows', value: (p) => p.workflowCount },
  { header: 'profile uses', value: (p) => p.useCount },
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
  registerProfileManageCommands(profile, ctx);
  registerAssociationCommands(profile, ctx);
}

/** The scope asked for, its class, group or object given by id or by the name people use. */
const scopeOf = async (client: Client, opts: { class?: string; group?: string; object?: string }) =>
  opts.class
    ? { kind: 'class' as const, classId: await resolveClass(client, opts.class) }
    : opts.group
      ? { kind: 'group' as const, groupId: await resolveGroup(client, opts.group) }
      : opts.object
        ? { kind: 'object' as const, objectId: await resolveObject(client, opts.object) }
        : undefined;

const enforcedText = (a: AssociationDto) => (a.enforced ? 'enforced' : 'not enforced');

function registerAssociationCommands(profile: Command, ctx: CliContext): void {
  profile
    .command('associations')
    .description("List a profile's associations with Run As accounts, oldest first")
    .argument('<profile>', 'profile id, e.g. Contoso.SQL.Profile')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const r = await client.request('GET', apiPath`/api/v1/profiles/${id}/associations`, {
        schema: listOf(associationSchema),
      });
      if (s.out.json) return s.out.result(r, () => {});
      const names = await accountNames(client);
      s.out.table(
        r.items,
        [
          { header: 'id', value: (a) => a.id },
          { header: 'account', value: (a) => named(names, a.accountId) },
          { header: 'scope', value: (a) => scopeText(a.scope) },
          { header: 'enforced', value: (a) => a.enforced },
          { header: 'created', value: (a) => a.createdAt },
        ],
        `Profile ${id} has no associations: its workflows run as each computer's default action account.`,
      );
    });

  profile
    .command('associate')
    .description(
      'Associate a Run As account with a profile, for all targeted objects or a class, group or object',
    )
    .argument('<profile>', 'profile id, e.g. Contoso.SQL.Profile')
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addOption(
      new Option(
        '--class <class>',
        'only objects of this class or a derived one (id or display name)',
      ).conflicts(['group', 'object']),
    )
    .addOption(
      new Option(
        '--group <group>',
        'only members of this group, hosted objects too (id or display name)',
      ).conflicts('object'),
    )
    .option('--object <object>', 'only this object (obj_…, cmp_…, or its name or display name)')
    .option('--enforced', 'win over every association that is not enforced')
    .addHelpText(
      'after',
      `
Without --class, --group or --object the association covers all targeted objects. The most
specific association wins (object, then group, then class, then all); enforced wins over all.
Associating never distributes the account: see \`steward account distribute --suggested\`.

Examples:
  steward profile associate Contoso.SQL.Profile --account sql-monitor
  steward profile associate Contoso.SQL.Profile --account sql-prod --group Contoso.SQL.Production --enforced`,
    )
    .action(async (profileId: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const accountId = await accountIdOf(client, opts.account);
      const a = await client.request('POST', apiPath`/api/v1/profiles/${profileId}/associations`, {
        body: { accountId, scope: await scopeOf(client, opts), enforced: Boolean(opts.enforced) },
        schema: associationSchema,
      });
      s.out.result(a, () =>
        s.out.line(
          `Associated ${opts.account === accountId ? accountId : `${opts.account} (${accountId})`} with ${a.profileId} for ${scopeText(a.scope)} (${enforcedText(a)}): ${a.id}.`,
        ),
      );
    });

  profile
    .command('unassociate')
    .description('Remove an association of a profile with an account')
    .argument('<association>', 'association id (asc_…), from `steward profile associations`')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/associations/${id}`, { schema: z.undefined() });
      s.out.result({ deleted: id }, () => s.out.line(`Removed association ${id}.`));
    });

  profile
    .command('enforce')
    .description('Mark an association enforced (it wins over those that are not), or not with --off')
    .argument('<association>', 'association id (asc_…)')
    .option('--off', 'no longer enforced')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      if (!id.startsWith('asc_'))
        throw CliError.fromCode('VALIDATION_FAILED', `'${id}' is not an association id (asc_…).`);
      const a = await s.client().request('PATCH', apiPath`/api/v1/associations/${id}`, {
        body: { enforced: !opts.off },
        schema: associationSchema,
      });
      s.out.result(a, () => s.out.line(`Association ${a.id} of ${a.profileId} is now ${enforcedText(a)}.`));
    });
}
