// `steward group …`: list, show, create, update and delete groups, and list a group's members with the reason.
import type { Command } from 'commander';
import { apiPath, listOf } from '../../contract/client.js';
import { type Group, groupMembersSchema, groupSchema } from '../../contract/inventory.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { collectRule, describeRule } from '../group-rules.js';
import { resolveObjects, resolveRuleClasses } from '../names.js';
import { collectList } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

const columns: Column<Group>[] = [
  { header: 'id', value: (g) => g.id },
  { header: 'display name', value: (g) => g.displayName },
  { header: 'explicit', value: (g) => g.members.length },
  { header: 'rules', value: (g) => g.rules.length },
  { header: 'subgroups', value: (g) => g.subgroups },
  { header: 'pack', value: (g) => g.packId },
];

const ruleHelp = `
Rules: --rule 'CLASS[;CONDITION...]' picks objects of CLASS (or a derived class) meeting every
condition: Prop=value (equal, any case), Prop!=value, Prop~pattern (* wildcards), Prop>n, Prop<n,
Prop? (is set). A rule may also be given as JSON: --rule '{"classId":"A.B","conditions":[]}'.`;

export function registerGroupCommands(program: Command, ctx: CliContext): void {
  const group = program
    .command('group')
    .description('Groups of objects: explicit members, dynamic rules and nested groups');

  group
    .command('list')
    .description('List groups')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/groups', { schema: listOf(groupSchema) });
      s.out.result(r, () => s.out.table(r.items, columns, 'No groups.'));
    });

  group
    .command('show')
    .description('Show how a group is defined (see `group members` for what it contains)')
    .argument('<id>', 'group id, e.g. Contoso.SQL.Production')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const g = await s.client().request('GET', apiPath`/api/v1/groups/${id}`, { schema: groupSchema });
      s.out.result(g, () =>
        s.out.fields([
          ['Id', g.id],
          ['Display name', g.displayName],
          ['Description', g.description],
          ['Explicit members', g.members],
          ['Rules', g.rules.map(describeRule)],
          ['Subgroups', g.subgroups],
          ['Pack', g.packId],
          ['Created', g.createdAt],
          ['Updated', g.updatedAt],
        ]),
      );
    });

  group
    .command('members')
    .description('List every object a group contains and why: explicit, rule, subgroup or hosted-by')
    .argument('<id>', 'group id')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', apiPath`/api/v1/groups/${id}/members`, {
        schema: groupMembersSchema,
      });
      s.out.result(r, () =>
        s.out.table(
          r.items,
          [
            { header: 'object', value: (m) => m.objectId },
            { header: 'class', value: (m) => m.classId },
            { header: 'display name', value: (m) => m.displayName },
            { header: 'via', value: (m) => m.via },
            { header: 'through', value: (m) => m.through },
          ],
          `Group ${r.groupId} contains no objects.`,
        ),
      );
    });

  group
    .command('create')
    .description('Create a group')
    .argument('<id>', 'dotted id, e.g. Contoso.SQL.Production')
    .option('--display-name <name>', 'name shown to people')
    .option('--description <text>', 'what the group is for')
    .option('--member <object-id>', 'an explicit member: id, name or display name (repeatable)', collectList)
    .option('--rule <rule>', 'a dynamic membership rule (repeatable; see below)', collectRule)
    .option('--subgroup <group-id>', 'a nested group (repeatable)', collectList)
    .addHelpText(
      'after',
      `${ruleHelp}

Example:
  steward group create Contoso.SQL.Production --display-name "Production SQL" \\
    --rule 'Contoso.SQL.Instance;Environment=Production' --member obj_…`,
    )
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const g = await client.request('POST', '/api/v1/groups', {
        body: {
          id,
          displayName: opts.displayName,
          description: opts.description,
          members: opts.member && (await resolveObjects(client, opts.member)),
          rules: opts.rule && (await resolveRuleClasses(client, opts.rule)),
          subgroups: opts.subgroup,
        },
        schema: groupSchema,
      });
      s.out.result(g, () => s.out.line(`Created group ${g.id}.`));
    });

  group
    .command('update')
    .description('Change a group; each list given replaces the current one')
    .argument('<id>', 'group id')
    .option('--display-name <name>', 'new display name')
    .option('--description <text>', 'new description')
    .option('--member <object-id>', 'the explicit members (repeatable; replaces them)', collectList)
    .option(
      '--add-member <object-id>',
      'add an explicit member, keeping the others (repeatable)',
      collectList,
    )
    .option('--remove-member <object-id>', 'remove an explicit member (repeatable)', collectList)
    .option('--rule <rule>', 'the rules (repeatable; replaces them)', collectRule)
    .option('--no-rules', 'remove every rule')
    .option('--subgroup <group-id>', 'the nested groups (repeatable; replaces them)', collectList)
    .option('--no-subgroups', 'remove every nested group')
    .addHelpText('after', ruleHelp)
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const body: Record<string, unknown> = {};
      if (opts.displayName !== undefined) body.displayName = opts.displayName;
      if (opts.description !== undefined) body.description = opts.description;
      if (opts.member) body.members = await resolveObjects(client, opts.member);
      if (opts.addMember || opts.removeMember) {
        const current = await client.request('GET', apiPath`/api/v1/groups/${id}`, { schema: groupSchema });
        const members = new Set<string>((body.members as string[] | undefined) ?? current.members);
        for (const m of await resolveObjects(client, opts.addMember ?? [])) members.add(m);
        for (const m of await resolveObjects(client, opts.removeMember ?? [])) members.delete(m);
        body.members = [...members];
      }
      if (opts.rule) body.rules = await resolveRuleClasses(client, opts.rule);
      if (opts.rules === false) body.rules = [];
      if (opts.subgroup) body.subgroups = opts.subgroup;
      if (opts.subgroups === false) body.subgroups = [];
      if (Object.keys(body).length === 0) {
        throw CliError.fromCode('VALIDATION_FAILED', 'Give at least one change (see --help).');
      }
      const g = await client.request('PATCH', apiPath`/api/v1/groups/${id}`, { body, schema: groupSchema });
      s.out.result(g, () => s.out.line(`Updated group ${g.id}.`));
    });

  group
    .command('delete')
    .description('Delete a group')
    .argument('<id>', 'group id')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/groups/${id}`);
      s.out.result({ deleted: id }, () => s.out.line(`Deleted group ${id}.`));
    });
}
