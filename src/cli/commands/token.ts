// `steward token …`: list, create (shown once) and revoke API tokens; and `steward token get` inside a job: an
// identity token from the job's IDENTITY_ENDPOINT (the Connect-AzAccount -Identity analogue).
import type { Command } from 'commander';
import { z } from 'zod';
import { issuedTokenSchema, tokenSchema } from '../../contract/auth.js';
import { apiPath, listOf } from '../../contract/client.js';
import type { CliContext } from '../cli-context.js';
import { tokenFromJobEndpoint } from '../identity-endpoint.js';
import { integerOption } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

type Token = z.infer<typeof tokenSchema>;

const columns: Column<Token>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'user', value: (t) => t.userId },
  { header: 'created', value: (t) => t.createdAt },
  { header: 'expires', value: (t) => t.expiresAt },
  { header: 'last used', value: (t) => t.lastUsedAt },
  { header: 'revoked', value: (t) => t.revokedAt },
];

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program
    .command('token')
    .description("API tokens for scripts and CI; inside a job, identity tokens of the job's account");

  token
    .command('get')
    .description(
      "Inside a job: print a token of the account's system identity (or the user-assigned one named) for a " +
        'resource, as the JSON the job endpoint answers (access_token, expires_on, resource, token_type, client_id)',
    )
    .requiredOption(
      '--resource <resource>',
      "the audience: the token's aud (api://steward for Steward's own API)",
    )
    .option('--client-id <id>', "a user-assigned identity's client id")
    .option('--principal-id <id>', "a user-assigned identity's principal (object) id")
    .option('--resource-id <id>', "a user-assigned identity's resource id")
    .action(
      async (opts: { resource: string; clientId?: string; principalId?: string; resourceId?: string }) => {
        const body = await tokenFromJobEndpoint(ctx, opts.resource, opts, 'steward token get');
        ctx.stdout.write(`${JSON.stringify(body)}\n`);
      },
    );

  token
    .command('list')
    .description("List your API tokens (administrators: everyone's with --all)")
    .option('--all', "every user's tokens (administrators)")
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/tokens', {
        query: { all: opts.all ? 'true' : undefined },
        schema: listOf(tokenSchema),
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No tokens.'));
    });

  token
    .command('create')
    .description('Create an API token for yourself; it is printed once and Steward keeps only its hash')
    .argument('<name>', 'what the token is for, e.g. ci-deploy')
    .option(
      '--expires-in-days <days>',
      'lifetime in days (default: the server setting)',
      integerOption(1, 3650),
    )
    .addHelpText(
      'after',
      `
The token is printed alone on stdout, so a script can capture it:
  export STEWARD_TOKEN=$(steward token create ci --expires-in-days 30)`,
    )
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('POST', '/api/v1/tokens', {
        body: { name, expiresInDays: opts.expiresInDays },
        schema: issuedTokenSchema,
      });
      s.out.note(
        `Token ${r.tokenInfo.id} expires ${r.tokenInfo.expiresAt}. It is shown only this once: store it now.`,
      );
      s.out.result(r, () => s.out.line(r.token));
    });

  token
    .command('revoke')
    .description('Revoke an API token (yours; administrators: anyone’s)')
    .argument('<id>', 'token id (tok_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/tokens/${id}`, { schema: z.undefined() });
      s.out.result({ revoked: id }, () => s.out.line(`Revoked token ${id}.`));
    });
}
