// `steward webhook …`: webhooks of an automation account — create (the URL is shown this once), list, show,
// update (enable, disable, expiry, parameters), delete.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { createdWebhookSchema, type Webhook, webhookSchema } from '../../contract/automation-schedules.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { bad } from '../automation-input.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Column, Output } from '../output.js';
import { collectParameter, zonedTime } from '../schedule-input.js';
import { session } from '../session.js';
import { automationAccountIdOf } from './automation.js';
import { localTimeZone } from './notify-input.js';
import { resolveRunbook } from './runbook.js';

const webhookList = listOf(webhookSchema);

/** A webhook by id (wh_…), or by name within the account given with --account. */
async function resolveWebhook(client: Client, ref: string, account: string | undefined): Promise<Webhook> {
  if (/^wh_[a-z0-9]+$/.test(ref))
    return client.request('GET', apiPath`/api/v1/webhooks/${ref}`, { schema: webhookSchema });
  if (!account) throw bad(`Give --account to find webhook '${ref}' by name, or use its id (wh_…).`);
  const id = await automationAccountIdOf(client, account);
  const { items } = await client.request('GET', apiPath`/api/v1/automation-accounts/${id}/webhooks`, {
    schema: webhookList,
  });
  const found = items.find((w) => w.name === ref);
  if (!found)
    throw CliError.fromCode(
      'NOT_FOUND',
      `Webhook '${ref}' was not found in automation account '${account}'.`,
    );
  return found;
}

const state = (w: Webhook) => (w.expired ? 'expired' : w.enabled ? 'enabled' : 'disabled');

const columns: Column<Webhook>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'name', value: (w) => w.name },
  { header: 'runbook', value: (w) => w.runbookName },
  { header: 'state', value: state },
  { header: 'expires', value: (w) => w.expiresAt },
  { header: 'last call', value: (w) => w.lastInvokedAt },
];

function printWebhook(out: Output, w: Webhook): void {
  out.fields([
    ['Id', w.id],
    ['Name', w.name],
    ['Account', w.automationAccountId],
    ['Runbook', `${w.runbookName} (${w.runbookId})`],
    ['Description', w.description],
    ['State', state(w)],
    ['Expires', w.expiresAt],
    ['Parameters', w.parameters],
    ['Run on', w.runOn],
    ['Created', `${w.createdAt} by ${w.createdBy}`],
    ['Last call', w.lastInvokedAt],
  ]);
}

const accountOption = () => new Option('--account <account>', 'automation account id (aa_…) or name');
const expiresOption = () =>
  new Option(
    '--expires <time>',
    `expiry: 2027-01-01 or 2027-01-01T00:00 on this machine's clock (${localTimeZone()}), or with an offset`,
  );

export function registerWebhookCommands(program: Command, ctx: CliContext): void {
  const webhook = program
    .command('webhook')
    .description('Webhooks: a secret URL that starts a runbook with what is POSTed to it')
    .addHelpText(
      'after',
      `
The URL holds the webhook's token: it is shown once, when the webhook is created, and never again.
A runbook that declares an object parameter WebhookData receives {WebhookName, RequestBody, RequestHeader}.`,
    );

  webhook
    .command('list')
    .description('List the webhooks of an automation account')
    .addOption(accountOption().makeOptionMandatory())
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await automationAccountIdOf(client, opts.account);
      const r = await client.request('GET', apiPath`/api/v1/automation-accounts/${id}/webhooks`, {
        schema: webhookList,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No webhooks.'));
    });

  webhook
    .command('show')
    .description('Show a webhook (never its URL: that was shown once)')
    .argument('<webhook>', 'webhook id (wh_…) or name (with --account)')
    .addOption(accountOption())
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const w = await resolveWebhook(s.client(), ref, opts.account);
      s.out.result(w, () => printWebhook(s.out, w));
    });

  webhook
    .command('create')
    .description('Create a webhook for a published runbook; prints its URL, this once')
    .argument('<name>', 'a letter, then letters, digits, _ and - (at most 63)')
    .addOption(accountOption().makeOptionMandatory())
    .requiredOption('--runbook <runbook>', 'runbook id (rb_…) or name')
    .addOption(expiresOption())
    .option('--param <Name=value>', 'a parameter value, JSON or text (repeatable)', collectParameter)
    .option('--run-on <target>', 'cloud (the Automation Pool)', 'cloud')
    .option('--description <text>', 'what calls it')
    .option('--disabled', 'create it disabled')
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await automationAccountIdOf(client, opts.account);
      const rb = await resolveRunbook(client, opts.runbook, id);
      const w = await client.request('POST', apiPath`/api/v1/automation-accounts/${id}/webhooks`, {
        body: {
          name,
          runbookId: rb.id,
          description: opts.description,
          ...(opts.expires ? { expiresAt: zonedTime(opts.expires, localTimeZone(), '--expires') } : {}),
          enabled: !opts.disabled,
          parameters: opts.param ?? {},
          runOn: opts.runOn,
        },
        schema: createdWebhookSchema,
      });
      s.out.result(w, () => {
        s.out.line(
          `Created webhook ${w.name} (${w.id}) for runbook ${w.runbookName}, expiring ${w.expiresAt}.`,
        );
        s.out.line(`URL: ${w.url}`);
        s.out.note(
          'Copy the URL now: it holds the token, which is kept only as a hash and never shown again.',
        );
      });
    });

  webhook
    .command('update')
    .description('Enable or disable a webhook, change its expiry, name or parameter values')
    .argument('<webhook>', 'webhook id (wh_…) or name (with --account)')
    .addOption(accountOption())
    .option('--name <name>', 'new name')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it: calls get 404')
    .addOption(expiresOption())
    .option('--param <Name=value>', 'parameter values, replacing all of them (repeatable)', collectParameter)
    .option('--description <text>', 'new description')
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      if (opts.enable && opts.disable) throw bad('Give --enable or --disable, not both.');
      const body: Record<string, unknown> = {};
      if (opts.name !== undefined) body.name = opts.name;
      if (opts.description !== undefined) body.description = opts.description;
      if (opts.enable) body.enabled = true;
      if (opts.disable) body.enabled = false;
      if (opts.expires !== undefined) body.expiresAt = zonedTime(opts.expires, localTimeZone(), '--expires');
      if (opts.param !== undefined) body.parameters = opts.param;
      if (Object.keys(body).length === 0) throw bad('Give at least one change (see --help).');
      const current = await resolveWebhook(client, ref, opts.account);
      const w = await client.request('PATCH', apiPath`/api/v1/webhooks/${current.id}`, {
        body,
        schema: webhookSchema,
      });
      s.out.result(w, () =>
        s.out.line(`Updated webhook ${w.name} (${w.id}): ${state(w)}, expires ${w.expiresAt}.`),
      );
    });

  webhook
    .command('delete')
    .description('Delete a webhook: its URL answers 404 from now on')
    .argument('<webhook>', 'webhook id (wh_…) or name (with --account)')
    .addOption(accountOption())
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const w = await resolveWebhook(client, ref, opts.account);
      await client.request('DELETE', apiPath`/api/v1/webhooks/${w.id}`, { schema: z.undefined() });
      s.out.result({ deleted: w.id }, () => s.out.line(`Deleted webhook ${w.name} (${w.id}).`));
    });
}
