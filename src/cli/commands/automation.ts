// `steward automation account …`: automation accounts — create, list, show, update, delete; and
// `steward automation identity show|set`: an account's managed identities.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { type AutomationAccount, automationAccountSchema } from '../../contract/automation.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { identityTypes } from '../../contract/identities.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { integerOption } from '../options.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';
import { registerRunAsCommands } from './runas.js';

const accountList = listOf(automationAccountSchema);

/** Accepts an automation account id (aa_…) or its name. */
export async function resolveAutomationAccount(client: Client, ref: string): Promise<AutomationAccount> {
  if (/^aa_[a-z0-9]+$/.test(ref))
    return client.request('GET', apiPath`/api/v1/automation-accounts/${ref}`, {
      schema: automationAccountSchema,
    });
  const { items } = await client.request('GET', '/api/v1/automation-accounts', { schema: accountList });
  const found =
    items.find((a) => a.name === ref) ?? items.find((a) => a.name.toLowerCase() === ref.toLowerCase());
  if (!found) throw CliError.fromCode('NOT_FOUND', `Automation account '${ref}' was not found.`);
  return found;
}

export const automationAccountIdOf = async (client: Client, ref: string) =>
  /^aa_[a-z0-9]+$/.test(ref) ? ref : (await resolveAutomationAccount(client, ref)).id;

const columns: Column<AutomationAccount>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'name', value: (a) => a.name },
  { header: 'local auth', value: (a) => (a.disableLocalAuth ? 'disabled' : 'enabled') },
  { header: 'concurrent jobs', value: (a) => a.limits.maxConcurrentJobs },
  { header: 'created', value: (a) => a.createdAt },
];

function printAccount(out: Output, a: AutomationAccount): void {
  out.fields([
    ['Id', a.id],
    ['Name', a.name],
    ['Description', a.description],
    ['Local auth', a.disableLocalAuth ? 'disabled' : 'enabled'],
    ['Concurrent jobs', a.limits.maxConcurrentJobs],
    ['New jobs per 30 s', a.limits.maxNewJobsPer30s],
    ['Fair-share run time', `${a.limits.fairShareSeconds} s`],
    ['Job history kept', `${a.limits.jobRetentionDays} days`],
    ['Identity', a.identity.type],
    ['Principal id', a.identity.principalId],
    ['User-assigned', a.identity.userAssignedIdentities.map((i) => i.id).join(', ') || null],
    ['Created', a.createdAt],
    ['Updated', a.updatedAt],
  ]);
}

function limitOptions(cmd: Command): Command {
  return cmd
    .option('--max-concurrent-jobs <n>', 'running jobs at once (default 10)', integerOption(1, 1000))
    .option('--max-new-jobs <n>', 'jobs started per 30 seconds (default 100)', integerOption(1, 100_000))
    .option(
      '--fair-share <seconds>',
      'run time before a cloud job is stopped (default 10800)',
      integerOption(60, 604_800),
    )
    .option('--retention-days <days>', 'days job history is kept (default 30)', integerOption(1, 3650));
}

const limitsFrom = (opts: Record<string, unknown>) => {
  const limits: Record<string, number> = {};
  if (opts.maxConcurrentJobs !== undefined) limits.maxConcurrentJobs = opts.maxConcurrentJobs as number;
  if (opts.maxNewJobs !== undefined) limits.maxNewJobsPer30s = opts.maxNewJobs as number;
  if (opts.fairShare !== undefined) limits.fairShareSeconds = opts.fairShare as number;
  if (opts.retentionDays !== undefined) limits.jobRetentionDays = opts.retentionDays as number;
  return Object.keys(limits).length ? limits : undefined;
};

export function registerAutomationCommands(program: Command, ctx: CliContext): void {
  const automation = program
    .command('automation')
    .description('Azure Automation-style automation: accounts holding runbooks and assets');
  const account = automation
    .command('account')
    .description('Automation accounts (administrators and authors manage them; everyone reads)');

  account
    .command('list')
    .description('List automation accounts')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/automation-accounts', { schema: accountList });
      s.out.result(r, () => s.out.table(r.items, columns, 'No automation accounts.'));
    });

  account
    .command('show')
    .description('Show an automation account and its limits')
    .argument('<account>', 'automation account id (aa_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const a = await resolveAutomationAccount(s.client(), ref);
      s.out.result(a, () => printAccount(s.out, a));
    });

  limitOptions(
    account
      .command('create')
      .description('Create an automation account')
      .argument('<name>', 'a letter, then letters, digits, _ and - (at most 63)')
      .option('--description <text>', 'what it is for')
      .option('--disable-local-auth', 'refuse local authentication (for policy R67)'),
  ).action(async (name: string, opts, cmd: Command) => {
    const s = session(ctx, cmd);
    const a = await s.client().request('POST', '/api/v1/automation-accounts', {
      body: {
        name,
        description: opts.description,
        disableLocalAuth: Boolean(opts.disableLocalAuth),
        limits: limitsFrom(opts),
      },
      schema: automationAccountSchema,
    });
    s.out.result(a, () => s.out.line(`Created automation account ${a.name} (${a.id}).`));
  });

  limitOptions(
    account
      .command('update')
      .description('Rename or describe an automation account, turn local auth on or off, change limits')
      .argument('<account>', 'automation account id (aa_…) or name')
      .option('--name <name>', 'new name')
      .option('--description <text>', 'new description')
      .option('--disable-local-auth', 'refuse local authentication')
      .option('--enable-local-auth', 'allow local authentication'),
  ).action(async (ref: string, opts, cmd: Command) => {
    const s = session(ctx, cmd);
    const client = s.client();
    const body: Record<string, unknown> = {};
    if (opts.name !== undefined) body.name = opts.name;
    if (opts.description !== undefined) body.description = opts.description;
    if (opts.disableLocalAuth && opts.enableLocalAuth)
      throw CliError.fromCode(
        'VALIDATION_FAILED',
        'Give --disable-local-auth or --enable-local-auth, not both.',
      );
    if (opts.disableLocalAuth) body.disableLocalAuth = true;
    if (opts.enableLocalAuth) body.disableLocalAuth = false;
    const limits = limitsFrom(opts);
    if (limits) body.limits = limits;
    if (Object.keys(body).length === 0)
      throw CliError.fromCode('VALIDATION_FAILED', 'Give at least one change (see --help).');
    const id = await automationAccountIdOf(client, ref);
    const a = await client.request('PATCH', apiPath`/api/v1/automation-accounts/${id}`, {
      body,
      schema: automationAccountSchema,
    });
    s.out.result(a, () => s.out.line(`Updated automation account ${a.name} (${a.id}).`));
  });

  const identity = automation
    .command('identity')
    .description("An automation account's managed identities (R54–R56)");
  identity
    .command('show')
    .description("Show an account's system-assigned identity and its user-assigned ones")
    .argument('<account>', 'automation account id (aa_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const a = await resolveAutomationAccount(s.client(), ref);
      s.out.result(a.identity, () =>
        s.out.fields([
          ['Type', a.identity.type],
          ['Principal id', a.identity.principalId],
          ['Client id', a.identity.clientId],
          ['Tenant id', a.identity.tenantId],
          ...a.identity.userAssignedIdentities.map((i): [string, unknown] => [
            'User-assigned',
            `${i.id} (client id ${i.clientId})`,
          ]),
        ]),
      );
    });
  identity
    .command('set')
    .description(
      "Set an account's whole identity block, as Azure: SystemAssigned alone detaches every user-assigned " +
        'identity; None removes all; the user-assigned ones listed are exactly those the account keeps',
    )
    .argument('<account>', 'automation account id (aa_…) or name')
    .addOption(
      new Option('--type <type>', 'the identity type').choices([...identityTypes]).makeOptionMandatory(),
    )
    .option(
      '--user-assigned <id>',
      'a user-assigned identity (uami_…) to keep or attach; repeat for several',
      (v: string, all: string[] = []) => [...all, v],
    )
    .action(async (ref: string, opts: { type: string; userAssigned?: string[] }, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await automationAccountIdOf(client, ref);
      const a = await client.request('PATCH', apiPath`/api/v1/automation-accounts/${id}`, {
        body: {
          identity: {
            type: opts.type,
            ...(opts.userAssigned ? { userAssignedIdentities: opts.userAssigned } : {}),
          },
        },
        schema: automationAccountSchema,
      });
      s.out.result(a.identity, () =>
        s.out.line(`Automation account ${a.name}: identity ${a.identity.type}.`),
      );
    });

  account
    .command('delete')
    .description('Delete an automation account with all its runbooks and assets (Run As accounts stay)')
    .argument('<account>', 'automation account id (aa_…) or name')
    .action(async (ref: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const a = await resolveAutomationAccount(client, ref);
      await client.request('DELETE', apiPath`/api/v1/automation-accounts/${a.id}`, { schema: z.undefined() });
      s.out.result({ deleted: a.id }, () =>
        s.out.line(`Deleted automation account ${a.name} (${a.id}) and everything in it.`),
      );
    });
  registerRunAsCommands(automation, ctx);
}
