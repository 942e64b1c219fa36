// `steward identity …`: user-assigned identities (list, show, create, delete) and the token signing keys
// (signing-keys, rotate-signing-key), through the API.
import { type Command, Option } from 'commander';
import { listOf } from '../../contract/client.js';
import {
  type SigningKey,
  signingKeySchema,
  type UserAssignedIdentity,
  userAssignedIdentitySchema,
} from '../../contract/identities.js';
import type { CliContext } from '../cli-context.js';
import { integerOption } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

const identityColumns: Column<UserAssignedIdentity>[] = [
  { header: 'name', value: (i) => i.name },
  { header: 'id', value: (i) => i.id },
  { header: 'clientId', value: (i) => i.clientId },
  { header: 'principalId', value: (i) => i.principalId },
  { header: 'accounts', value: (i) => i.automationAccountIds.length },
];
const keyColumns: Column<SigningKey>[] = [
  { header: 'kid', value: (k) => k.kid },
  { header: 'alg', value: (k) => k.alg },
  { header: 'state', value: (k) => k.state },
  { header: 'signsFrom', value: (k) => k.signsFrom },
];

export function registerIdentityCommands(program: Command, ctx: CliContext): void {
  const identity = program
    .command('identity')
    .description('User-assigned managed identities and the keys that sign identity tokens');
  const base = '/api/v1/user-assigned-identities';

  identity
    .command('list')
    .description('List user-assigned identities')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', base, { schema: listOf(userAssignedIdentitySchema) });
      s.out.result(r, () => s.out.table(r.items, identityColumns, 'No user-assigned identities.'));
    });

  identity
    .command('show <id>')
    .description('Show a user-assigned identity and the automation accounts it is attached to')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', `${base}/${encodeURIComponent(id)}`, {
        schema: userAssignedIdentitySchema,
      });
      s.out.result(r, () => s.out.table([r], identityColumns, ''));
    });

  identity
    .command('create <name>')
    .description('Create a user-assigned identity (it has no rights until a role is assigned)')
    .option('--description <text>', 'what it is for')
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('POST', base, {
        body: { name, ...(opts.description ? { description: opts.description } : {}) },
        schema: userAssignedIdentitySchema,
      });
      s.out.result(r, () => s.out.line(`Created ${r.id} (client id ${r.clientId}).`));
    });

  identity
    .command('delete <id>')
    .description('Delete a user-assigned identity; the accounts it is attached to lose it')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', `${base}/${encodeURIComponent(id)}`);
      s.out.result({ deleted: id }, () => s.out.line(`Deleted ${id}.`));
    });

  identity
    .command('signing-keys')
    .description('List the keys that sign identity tokens (administrators)')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/identity/signing-keys', {
        schema: listOf(signingKeySchema),
      });
      s.out.result(r, () => s.out.table(r.items, keyColumns, 'No signing keys yet.'));
    });

  identity
    .command('rotate-signing-key')
    .description('Make a new token signing key: published at once, signing after a delay (administrators)')
    .option(
      '--signs-after <seconds>',
      'seconds the new key is published before it signs (default 900), so verifiers caching the JWKS have it',
      integerOption(0, 7 * 86_400),
    )
    .addOption(
      new Option('--alg <alg>', 'the algorithm of the new key (RS256: for STEWARD_TOKEN_RS256_AUDIENCES)')
        .choices(['ES256', 'RS256'])
        .default('ES256'),
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('POST', '/api/v1/identity/signing-keys/rotate', {
        body: {
          ...(opts.signsAfter !== undefined ? { signsAfterSeconds: opts.signsAfter } : {}),
          alg: opts.alg,
        },
        schema: signingKeySchema,
      });
      s.out.result(r, () =>
        s.out.line(`New signing key ${r.kid}: published now, signs from ${r.signsFrom}.`),
      );
    });
}
