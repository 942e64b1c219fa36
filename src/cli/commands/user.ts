// `steward user …`: list, show, create, update and delete users (administrators).
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { type User, userSchema } from '../../contract/auth.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { roleNames, roles } from '../../domain/roles.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Column } from '../output.js';
import { readNewPassword } from '../secrets.js';
import { session } from '../session.js';

const columns: Column<User>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'username', value: (u) => u.username },
  { header: 'display name', value: (u) => u.displayName },
  { header: 'role', value: (u) => u.role },
  { header: 'disabled', value: (u) => u.disabled },
  { header: 'one-time password', value: (u) => u.mustChangePassword },
];

/** Accepts a user id (usr_…) or a user name. */
async function resolveUser(client: Client, ref: string): Promise<User> {
  if (ref.startsWith('usr_'))
    return client.request('GET', apiPath`/api/v1/users/${ref}`, { schema: userSchema });
  const { items } = await client.request('GET', '/api/v1/users', { schema: listOf(userSchema) });
  const found = items.find((u) => u.username === ref);
  if (!found) throw CliError.fromCode('NOT_FOUND', `User '${ref}' was not found.`);
  return found;
}

const describeUser = (u: User): [string, unknown][] => [
  ['Id', u.id],
  ['User name', u.username],
  ['Display name', u.displayName],
  ['Role', roleNames[u.role]],
  ['Disabled', u.disabled],
  ['One-time password', u.mustChangePassword],
  ['Created', u.createdAt],
  ['Updated', u.updatedAt],
];

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const user = program
    .command('user')
    .description('Manage users (administrators only)')
    .addHelpText('after', `\nRoles: ${roles.join(', ')}.`);

  user
    .command('list')
    .description('List users')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/users', { schema: listOf(userSchema) });
      s.out.result(r, () => s.out.table(r.items, columns, 'No users.'));
    });

  user
    .command('show')
    .description('Show one user')
    .argument('<user>', 'user id (usr_…) or user name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const u = await resolveUser(s.client(), ref);
      s.out.result(u, () => s.out.fields(describeUser(u)));
    });

  user
    .command('create')
    .description('Create a user; they choose a new password at their first sign-in')
    .argument('<username>', 'lower-case letters, digits, dot, dash or underscore')
    .addOption(new Option('--role <role>', 'what the user may do').choices(roles).makeOptionMandatory())
    .option('--display-name <name>', 'name shown to people (default: the user name)')
    .option('--password-stdin', 'read the one-time password from the first line of stdin (else asked twice)')
    .addHelpText(
      'after',
      `
Examples:
  steward user create dana --role author --display-name "Dana Scully"
  printf '%s\\n' "$ONE_TIME_PASSWORD" | steward user create ci-bot --role operator --password-stdin`,
    )
    .action(async (username: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const password = await readNewPassword(ctx, {
        fromStdin: Boolean(opts.passwordStdin),
        flag: '--password-stdin',
        question: 'One-time password',
      });
      const u = await client.request('POST', '/api/v1/users', {
        body: { username, role: opts.role, displayName: opts.displayName, password },
        schema: userSchema,
      });
      s.out.result(u, () =>
        s.out.line(`Created user ${u.username} (${u.id}); they choose a new password at first sign-in.`),
      );
    });

  user
    .command('update')
    .description('Change a user: display name, role, enable or disable, or reset the password')
    .argument('<user>', 'user id (usr_…) or user name')
    .option('--display-name <name>', 'new display name')
    .addOption(new Option('--role <role>', 'new role').choices(roles))
    .addOption(new Option('--disable', 'disable the user and revoke their tokens').conflicts('enable'))
    .option('--enable', 'enable a disabled user')
    .option(
      '--reset-password',
      'set a new one-time password (asked twice, or --password-stdin); revokes their tokens',
    )
    .option('--password-stdin', 'with --reset-password: read the password from the first line of stdin')
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const body: Record<string, unknown> = {};
      if (opts.displayName !== undefined) body.displayName = opts.displayName;
      if (opts.role !== undefined) body.role = opts.role;
      if (opts.disable) body.disabled = true;
      if (opts.enable) body.disabled = false;
      if (Object.keys(body).length === 0 && !opts.resetPassword) {
        throw new CliError(
          'Give at least one change: --display-name, --role, --disable, --enable or --reset-password.',
          2,
          'VALIDATION_FAILED',
        );
      }
      const target = await resolveUser(client, ref);
      if (opts.resetPassword) {
        body.password = await readNewPassword(ctx, {
          fromStdin: Boolean(opts.passwordStdin),
          flag: '--password-stdin',
          question: 'One-time password',
        });
      }
      const u = await client.request('PATCH', apiPath`/api/v1/users/${target.id}`, {
        body,
        schema: userSchema,
      });
      s.out.result(u, () => s.out.line(`Updated user ${u.username} (${u.id}).`));
    });

  user
    .command('delete')
    .description('Delete a user')
    .argument('<user>', 'user id (usr_…) or user name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const target = await resolveUser(client, ref);
      await client.request('DELETE', apiPath`/api/v1/users/${target.id}`, { schema: z.undefined() });
      s.out.result({ deleted: target.id }, () =>
        s.out.line(`Deleted user ${target.username} (${target.id}).`),
      );
    });
}
