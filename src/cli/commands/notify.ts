// `steward notify …`: notification channels, subscribers and subscriptions, and the deliveries with the reason
// each failed one was not sent (dead letters).
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { apiPath } from '../../contract/client.js';
import {
  type ChannelKind,
  channelKinds,
  channelListResponse,
  channelSchema,
  deliveryListResponse,
  deliveryStatuses,
  resendResponse,
  subscriberListResponse,
  subscriberSchema,
  subscriptionListResponse,
  subscriptionSchema,
} from '../../contract/notify-api.js';
import type { CliContext } from '../cli-context.js';
import { integerOption, timeOption } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import {
  addressesFrom,
  addressOption,
  channelTarget,
  collectIds,
  criteriaSummary,
  deliveryColumns,
  priorityList,
  readObject,
  readSchedule,
  resolutionStateList,
  severityList,
  subscriptionBody,
} from './notify-input.js';

type Channel = z.infer<typeof channelSchema>;
type Subscriber = z.infer<typeof subscriberSchema>;
type Subscription = z.infer<typeof subscriptionSchema>;

const channelColumns: Column<Channel>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name },
  { header: 'kind', value: (c) => c.kind },
  { header: 'enabled', value: (c) => c.enabled },
  { header: 'profile', value: (c) => c.profileId },
  { header: 'sends to', value: channelTarget },
  { header: 'health', value: (c) => healthOf(c) },
];

/** "ok", or "paused (why), next try at …". */
const healthOf = (c: Channel) =>
  c.health.state === 'ok'
    ? 'ok'
    : `paused since ${c.health.since}: ${c.health.reason}; next try ${c.health.nextProbeAt}`;

const subscriberColumns: Column<Subscriber>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'addresses', value: (s) => s.addresses.map((a) => `${a.kind}:${a.address}`.replace(/:$/, '')) },
  { header: 'schedule', value: (s) => (s.schedule.length ? `${s.schedule.length} entries` : 'always') },
];

const subscriptionColumns: Column<Subscription>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'enabled', value: (s) => s.enabled },
  { header: 'criteria', value: (s) => criteriaSummary(s.criteria) },
  { header: 'to', value: (s) => s.to },
  { header: 'cc', value: (s) => s.cc },
  { header: 'bcc', value: (s) => s.bcc },
  { header: 'channels', value: (s) => s.channelIds },
  { header: 'delay', value: (s) => (s.delaySeconds ? `${s.delaySeconds}s` : '') },
];

const settingsHelp = `
Settings by kind (all fields: docs/notifications.md). No secret goes here: a channel that signs in uses
the Run As account its profile resolves to on the Notifications Resource Pool.
  email    {"servers":[{"host":"smtp.contoso.com","port":25,"tls":"starttls"}],"from":"scom@contoso.com",
            "authentication":"account"|"anonymous", "replyTo", "headers", "subject", "body", "bodyIsHtml",
            "importance", "primaryRetryIntervalSeconds", "external"}
  im       {"server":"chat.contoso.com","returnAddress":"sip:scom@contoso.com","protocol":"tcp"|"tls",
            "port", "path", "authentication", "contentType", "body"}
  sms      {"gateways":["https://sms.contoso.com/send"],"from":"+15551234567", "body", "encoding"}
  teams    {"mode":"webhook"} or {"mode":"graph","tenantId":"contoso.onmicrosoft.com","clientId":"<guid>"}
  command  {"applicationPath":"/opt/notify/page.sh","arguments":["$Data/Context/DataItem/AlertName$"]}

Examples:
  steward notify channel create "Mail relay" --kind email --settings channel.json
  steward notify channel create Pager --kind command \\
    --settings '{"applicationPath":"/opt/notify/page.sh","arguments":["$Data/Context/DataItem/AlertName$"]}'`;

export function registerNotifyCommands(program: Command, ctx: CliContext): void {
  const notify = program
    .command('notify')
    .description('Alert notifications: channels, subscribers, subscriptions and their deliveries');

  // ---------------------------------------------------------------- channels
  const channel = notify
    .command('channel')
    .description('Channels: how notifications are sent (administrators only)');

  channel
    .command('create')
    .description('Create a channel; its settings are checked against its kind')
    .argument('<name>', 'a name people recognise, e.g. "Mail relay"')
    .addOption(
      new Option('--kind <kind>', 'email, im, sms, teams or command')
        .choices(channelKinds)
        .makeOptionMandatory(),
    )
    .requiredOption('--settings <file-or-json>', 'the kind’s settings: a JSON or YAML file, or inline JSON')
    .option(
      '--profile <id>',
      'Run As profile to sign in with (default Steward.NotificationAccount when the channel signs in)',
    )
    .option('--disabled', 'create it switched off: nothing is sent through it')
    .addHelpText('after', settingsHelp)
    .action(
      async (
        name: string,
        opts: { kind: ChannelKind; settings: string; profile?: string; disabled?: boolean },
        cmd: Command,
      ) => {
        const s = session(ctx, cmd);
        const body = {
          name,
          kind: opts.kind,
          enabled: !opts.disabled,
          ...(opts.profile !== undefined ? { profileId: opts.profile } : {}),
          settings: readObject(opts.settings, '--settings'),
        };
        const c = await s
          .client()
          .request('POST', '/api/v1/notification-channels', { body, schema: channelSchema });
        s.out.result(c, () =>
          s.out.line(
            `Created ${c.kind} channel ${c.name} (${c.id})${c.profileId ? `, signing in with profile ${c.profileId}` : ''}.`,
          ),
        );
      },
    );

  channel
    .command('list')
    .description('List channels')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s
        .client()
        .request('GET', '/api/v1/notification-channels', { schema: channelListResponse });
      s.out.result(r, () => s.out.table(r.items, channelColumns, 'No channels.'));
    });

  channel
    .command('show')
    .description('Show a channel and its settings')
    .argument('<id>', 'channel id (chan_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const c = await s
        .client()
        .request('GET', apiPath`/api/v1/notification-channels/${id}`, { schema: channelSchema });
      s.out.result(c, () => {
        s.out.fields([
          ['Id', c.id],
          ['Name', c.name],
          ['Kind', c.kind],
          ['Enabled', c.enabled],
          ['Profile', c.profileId ?? 'none (does not sign in)'],
          ['Sends to', channelTarget(c)],
          ['Health', healthOf(c)],
          ['Created', c.createdAt],
          ['Updated', c.updatedAt],
        ]);
        s.out.line('Settings:');
        for (const line of JSON.stringify(c.settings, null, 2).split('\n')) s.out.line(`  ${line}`);
      });
    });

  channel
    .command('delete')
    .description('Delete a channel no subscription uses')
    .argument('<id>', 'channel id (chan_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s
        .client()
        .request('DELETE', apiPath`/api/v1/notification-channels/${id}`, { schema: z.undefined() });
      s.out.result({ deleted: id }, () => s.out.line(`Deleted channel ${id}.`));
    });

  // ---------------------------------------------------------------- subscribers
  const subscriber = notify
    .command('subscriber')
    .description('Subscribers: who is notified, at which addresses, and when');

  subscriber
    .command('create')
    .description('Create a subscriber with one or more addresses')
    .argument('<name>', 'a person or a team, e.g. "Database on-call"')
    .option(
      '--email <address>',
      'an e-mail address, e.g. ops@contoso.com (repeatable)',
      addressOption('email'),
    )
    .option('--im <sip>', 'an IM address, e.g. sip:ops@contoso.com (repeatable)', addressOption('im'))
    .option('--sms <number>', 'a phone, e.g. sms:+15551234567 (repeatable)', addressOption('sms'))
    .option('--teams <url>', 'a Teams channel link or webhook URL (repeatable)', addressOption('teams'))
    .option('--command', 'also notify through command channels (they run a program, with no address)')
    .option(
      '--schedule <file-or-json>',
      'when to notify: a list of schedule entries (default: always); see below',
    )
    .addHelpText(
      'after',
      `
A schedule is a list of entries; a notification goes out when an inclusion covers the moment and no
exclusion does. Exclusions alone are refused: give an inclusion too. Entries without a timeZone are
taken in this machine's time zone.
  [{"daysOfWeek":["monday","tuesday","wednesday","thursday","friday"],"startTime":"08:00","endTime":"18:00"},
   {"exclude":true,"startTime":"12:00","endTime":"13:00"}]
Entry fields: exclude, startDate, endDate (YYYY-MM-DD), daysOfWeek, allDay, startTime, endTime (HH:MM), timeZone.

Examples:
  steward notify subscriber create "Database on-call" --email dba@contoso.com --sms sms:+15551234567
  steward notify subscriber create Ops --email ops@contoso.com --schedule office-hours.json`,
    )
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const body = {
        name,
        addresses: addressesFrom(opts),
        ...(opts.schedule !== undefined ? { schedule: readSchedule(opts.schedule) } : {}),
      };
      const r = await s
        .client()
        .request('POST', '/api/v1/notification-subscribers', { body, schema: subscriberSchema });
      s.out.result(r, () =>
        s.out.line(`Created subscriber ${r.name} (${r.id}) with ${r.addresses.length} address(es).`),
      );
    });

  subscriber
    .command('list')
    .description('List subscribers and their addresses')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s
        .client()
        .request('GET', '/api/v1/notification-subscribers', { schema: subscriberListResponse });
      s.out.result(r, () => s.out.table(r.items, subscriberColumns, 'No subscribers.'));
    });

  subscriber
    .command('delete')
    .description('Delete a subscriber no subscription names')
    .argument('<id>', 'subscriber id (sbr_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s
        .client()
        .request('DELETE', apiPath`/api/v1/notification-subscribers/${id}`, { schema: z.undefined() });
      s.out.result({ deleted: id }, () => s.out.line(`Deleted subscriber ${id}.`));
    });

  // ---------------------------------------------------------------- subscriptions
  const subscription = notify
    .command('subscription')
    .description('Subscriptions: which alerts notify which subscribers through which channels');

  subscription
    .command('create')
    .description('Create a subscription; every criterion given must hold (none: every alert)')
    .argument('<name>', 'e.g. "Critical SQL alerts"')
    .requiredOption('--to <subscriber-ids>', 'subscribers to notify (comma list, repeatable)', collectIds)
    .option('--cc <subscriber-ids>', 'subscribers in Cc of e-mails (comma list, repeatable)', collectIds)
    .option('--bcc <subscriber-ids>', 'subscribers in Bcc of e-mails (comma list, repeatable)', collectIds)
    .requiredOption(
      '--channel <channel-ids>',
      'channels to send through (comma list, repeatable)',
      collectIds,
    )
    .option('--description <text>', 'what the subscription is for')
    .option('--severity <list>', 'only these severities: critical, warning, information', severityList)
    .option('--priority <list>', 'only these priorities: high, medium, low', priorityList)
    .option(
      '--resolution-state <list>',
      'only these resolution states: 0 New … 255 Closed',
      resolutionStateList,
    )
    .option('--class <ids>', 'only alerts about objects of these classes or derived ones', collectIds)
    .option('--group <ids>', 'only alerts about objects these groups contain', collectIds)
    .option('--workflow <ids>', 'only alerts raised by these rules or monitors', collectIds)
    .option(
      '--criteria <file-or-json>',
      'more criteria as JSON, e.g. text conditions (the options above win)',
    )
    .option(
      '--delay <seconds>',
      'notify only alerts that keep matching this long (0-86400)',
      integerOption(0, 86_400),
    )
    .option(
      '--only-on-resolution-change',
      'after the first notification, notify only resolution-state changes',
    )
    .option('--disabled', 'create it switched off')
    .addHelpText(
      'after',
      `
A list condition holds when any of its values does; all the conditions given must hold. There is no
"not": to leave something out, name what you want. An alert notifies when it first matches and again
when it changes (with --only-on-resolution-change: when its resolution state changes).
Text conditions go in --criteria: {"text":[{"field":"name","op":"like","value":"Disk*"}]}
(fields name, description, owner, ticketId, category, custom1-10; ops equals, like, contains).

Examples:
  steward notify subscription create "Critical, high, new" --to sbr_1 --channel chan_1 \\
    --severity critical --priority high --resolution-state 0
  steward notify subscription create "SQL" --to sbr_1,sbr_2 --cc sbr_3 --channel chan_1 \\
    --group Contoso.SQL.Production --delay 300`,
    )
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('POST', '/api/v1/notification-subscriptions', {
        body: subscriptionBody(name, opts),
        schema: subscriptionSchema,
      });
      s.out.result(r, () =>
        s.out.line(
          `Created subscription ${r.name} (${r.id}): ${criteriaSummary(r.criteria)}, to ${r.to.length + r.cc.length + r.bcc.length} subscriber(s) through ${r.channelIds.length} channel(s)${r.enabled ? '' : ', disabled'}.`,
        ),
      );
    });

  subscription
    .command('list')
    .description('List subscriptions')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s
        .client()
        .request('GET', '/api/v1/notification-subscriptions', { schema: subscriptionListResponse });
      s.out.result(r, () => s.out.table(r.items, subscriptionColumns, 'No subscriptions.'));
    });

  subscription
    .command('delete')
    .description('Delete a subscription')
    .argument('<id>', 'subscription id (sub_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s
        .client()
        .request('DELETE', apiPath`/api/v1/notification-subscriptions/${id}`, { schema: z.undefined() });
      s.out.result({ deleted: id }, () => s.out.line(`Deleted subscription ${id}.`));
    });

  // ---------------------------------------------------------------- deliveries
  notify
    .command('deliveries')
    .description('List deliveries, newest first: sent, waiting, retrying, and dead letters with the reason')
    .addOption(new Option('--status <status>', 'only deliveries in this status').choices(deliveryStatuses))
    .option('--alert <id>', 'only deliveries for this alert')
    .option('--subscription <id>', 'only deliveries of this subscription')
    .option('--limit <n>', 'at most this many (1-1000)', integerOption(1, 1000), 100)
    .addHelpText(
      'after',
      `
Statuses: pending (queued), claimed and sending (in hand), retry (failed, tried again later with a
growing wait), sent, dead (failed for good or too often: a dead letter), skipped (not sent: outside the
subscriber's schedule, channel disabled, …), unknown (the server stopped while sending: never sent
twice, so it may or may not have arrived). "last error" says why.

Example:
  steward notify deliveries --status dead`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/notification-deliveries', {
        query: { status: opts.status, alert: opts.alert, subscription: opts.subscription, limit: opts.limit },
        schema: deliveryListResponse,
      });
      s.out.result(r, () => s.out.table(r.items, deliveryColumns, 'No deliveries.'));
    });

  notify
    .command('resend')
    .description(
      'Send deliveries again: dead letters after an outage; unknown ones only with --force (administrators)',
    )
    .argument('[ids...]', 'delivery ids (dlv_…); or choose by --status')
    .addOption(new Option('--status <status>', 'every delivery in this status').choices(['dead', 'unknown']))
    .option('--channel <id>', 'only deliveries through this channel')
    .option('--since <time>', 'queued at or after: ISO 8601 time, or an age like 30m, 2h, 7d', timeOption)
    .option('--until <time>', 'queued at or before: ISO 8601 time, or an age like 30m, 2h, 7d', timeOption)
    .option('--dry-run', 'show what would be sent again, and change nothing')
    .option(
      '--force',
      'also send again deliveries whose outcome is unknown (they may have been sent already)',
    )
    .addHelpText(
      'after',
      `
A delivery that was sent is never sent again, nor one still waiting or being sent. One whose outcome is
unknown (the server stopped while handing it over) may have arrived: it goes again only with --force.
Those sent again start afresh (attempts from zero) and go out oldest first. Every resend is audited.

Examples:
  steward notify resend --status dead --since 2h --dry-run
  steward notify resend --status dead --channel nch_…
  steward notify resend dlv_… dlv_… --force`,
    )
    .action(async (ids: string[], opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('POST', '/api/v1/notification-deliveries/resend', {
        body: {
          ...(ids.length ? { ids } : {}),
          status: opts.status,
          channelId: opts.channel,
          since: opts.since,
          until: opts.until,
          dryRun: Boolean(opts.dryRun),
          force: Boolean(opts.force),
        },
        schema: resendResponse,
      });
      s.out.result(r, () => {
        s.out.table(r.items, deliveryColumns, 'Nothing to send again.');
        for (const x of r.refused) s.out.line(`${x.id} (${x.status}) not sent again: ${x.reason}`);
        s.out.note(
          r.dryRun
            ? `${r.items.length} of ${r.matched} chosen deliveries would be sent again (dry run: nothing changed).`
            : `${r.resent} of ${r.matched} chosen deliveries queued to be sent again.`,
        );
      });
    });
}
