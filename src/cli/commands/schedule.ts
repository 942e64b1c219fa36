// `steward schedule …`: schedules of an automation account — create, list, show, update, delete, and link or
// unlink the runbooks they start.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { type Schedule, scheduleSchema } from '../../contract/automation-schedules.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { scheduleFrequencies } from '../../domain/automation/schedules.js';
import { bad } from '../automation-input.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { integerOption } from '../options.js';
import type { Column, Output } from '../output.js';
import {
  collectOccurrence,
  collectParameter,
  monthDaysOption,
  weekDaysOption,
  zonedTime,
} from '../schedule-input.js';
import { session } from '../session.js';
import { automationAccountIdOf } from './automation.js';
import { localTimeZone } from './notify-input.js';
import { resolveRunbook } from './runbook.js';

const scheduleList = listOf(scheduleSchema);

/** A schedule by id (sch_…), or by name within the account given with --account. */
async function resolveSchedule(client: Client, ref: string, account: string | undefined): Promise<Schedule> {
  if (/^sch_[a-z0-9]+$/.test(ref))
    return client.request('GET', apiPath`/api/v1/schedules/${ref}`, { schema: scheduleSchema });
  if (!account) throw bad(`Give --account to find schedule '${ref}' by name, or use its id (sch_…).`);
  const id = await automationAccountIdOf(client, account);
  const { items } = await client.request('GET', apiPath`/api/v1/automation-accounts/${id}/schedules`, {
    schema: scheduleList,
  });
  const found = items.find((s) => s.name === ref);
  if (!found)
    throw CliError.fromCode(
      'NOT_FOUND',
      `Schedule '${ref}' was not found in automation account '${account}'.`,
    );
  return found;
}

/** "every 2 days", "weekly on monday, friday", "cron 0 9 * * 1-5". */
export function recurrenceText(s: Schedule): string {
  if (s.frequency === 'onetime') return 'once';
  if (s.frequency === 'cron') return `cron ${s.cron}`;
  const unit = { hour: 'hour', day: 'day', week: 'week', month: 'month' }[s.frequency];
  let text = s.interval === 1 ? `every ${unit}` : `every ${s.interval} ${unit}s`;
  if (s.weekDays.length) text += ` on ${s.weekDays.join(', ')}`;
  const days = [
    ...s.monthDays.map((d) => (d === -1 ? 'the last day' : `day ${d}`)),
    ...s.monthlyOccurrences.map(
      (o) =>
        `the ${o.occurrence === -1 ? 'last' : ['first', 'second', 'third', 'fourth', 'fifth'][o.occurrence - 1]} ${o.day}`,
    ),
  ];
  if (days.length) text += ` on ${days.join(', ')}`;
  return text;
}

const columns: Column<Schedule>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'recurrence', value: recurrenceText },
  { header: 'zone', value: (s) => s.timeZone },
  { header: 'enabled', value: (s) => s.enabled },
  { header: 'next run', value: (s) => s.nextRunAt },
  { header: 'runbooks', value: (s) => s.links.map((l) => l.runbookName) },
];

function printSchedule(out: Output, s: Schedule): void {
  out.fields([
    ['Id', s.id],
    ['Name', s.name],
    ['Account', s.automationAccountId],
    ['Description', s.description],
    ['Recurrence', recurrenceText(s)],
    ['Time zone', s.timeZone],
    ['Start', s.startTime],
    ['Expiry', s.expiryTime ?? 'never'],
    ['Enabled', s.enabled],
    ['Next run', s.nextRunAt ?? 'none'],
    ['Last run', s.lastRunAt],
  ]);
  out.line('');
  out.table(
    s.links,
    [
      { header: 'runbook', value: (l) => l.runbookName },
      { header: 'id', value: (l) => l.runbookId },
      { header: 'run on', value: (l) => l.runOn },
      { header: 'parameters', value: (l) => l.parameters },
    ],
    'No runbooks linked: link one with `steward schedule link`.',
  );
}

const accountOption = () => new Option('--account <account>', 'automation account id (aa_…) or name');

function recurrenceOptions(cmd: Command, creating: boolean): Command {
  const frequency = new Option('--frequency <frequency>', 'how often').choices(scheduleFrequencies);
  return cmd
    .addOption(creating ? frequency.makeOptionMandatory() : frequency)
    .option('--interval <n>', 'every N hours, days, weeks or months (default 1)', integerOption(1, 1000))
    .option(
      '--start <time>',
      `first run: 2025-06-01T09:00 on the --time-zone clock, or with an offset${creating ? ' (default: the next minute)' : ''}`,
    )
    .option('--expiry <time>', 'no run after it (same forms as --start)')
    .option(
      '--time-zone <zone>',
      `IANA time zone${creating ? ` (default: this machine's, ${localTimeZone()})` : ''}`,
    )
    .option('--week-days <days>', 'week: mon,fri …', weekDaysOption)
    .option('--month-days <days>', 'month: 1,15,last', monthDaysOption)
    .option('--on <which:day>', 'month: first:monday, last:friday … (repeatable)', collectOccurrence)
    .option('--cron <expression>', "cron: five fields, e.g. '0 9 * * 1-5'")
    .option('--description <text>', 'what it is for');
}

function recurrenceBody(opts: Record<string, unknown>, timeZone: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.frequency !== undefined) body.frequency = opts.frequency;
  if (opts.interval !== undefined) body.interval = opts.interval;
  if (opts.start !== undefined) body.startTime = zonedTime(String(opts.start), timeZone, '--start');
  if (opts.expiry !== undefined) body.expiryTime = zonedTime(String(opts.expiry), timeZone, '--expiry');
  if (opts.timeZone !== undefined) body.timeZone = opts.timeZone;
  if (opts.weekDays !== undefined) body.weekDays = opts.weekDays;
  if (opts.monthDays !== undefined) body.monthDays = opts.monthDays;
  if (opts.on !== undefined) body.monthlyOccurrences = opts.on;
  if (opts.cron !== undefined) body.cron = opts.cron;
  if (opts.description !== undefined) body.description = opts.description;
  return body;
}

export function registerScheduleCommands(program: Command, ctx: CliContext): void {
  const schedule = program
    .command('schedule')
    .description('Schedules: start linked runbooks once or on a recurrence, in a time zone')
    .addHelpText(
      'after',
      `
Frequencies: onetime, hour, day, week (--week-days), month (--month-days, --on first:monday), cron (--cron).
Times without an offset are read on the wall clock of --time-zone.`,
    );

  schedule
    .command('list')
    .description('List the schedules of an automation account')
    .addOption(accountOption().makeOptionMandatory())
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await automationAccountIdOf(client, opts.account);
      const r = await client.request('GET', apiPath`/api/v1/automation-accounts/${id}/schedules`, {
        schema: scheduleList,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No schedules.'));
    });

  schedule
    .command('show')
    .description('Show a schedule: its recurrence, next run and linked runbooks')
    .argument('<schedule>', 'schedule id (sch_…) or name (with --account)')
    .addOption(accountOption())
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await resolveSchedule(s.client(), ref, opts.account);
      s.out.result(r, () => printSchedule(s.out, r));
    });

  recurrenceOptions(
    schedule
      .command('create')
      .description('Create a schedule (link runbooks to it with `steward schedule link`)')
      .argument('<name>', 'a letter, then letters, digits, _ and - (at most 63)')
      .addOption(accountOption().makeOptionMandatory())
      .option('--disabled', 'create it disabled'),
    true,
  ).action(async (name: string, opts, cmd: Command) => {
    const s = session(ctx, cmd);
    const client = s.client();
    const timeZone = (opts.timeZone as string | undefined) ?? localTimeZone();
    const nextMinute = new Date(Math.ceil((Date.now() + 1000) / 60_000) * 60_000).toISOString();
    const body = {
      name,
      timeZone,
      startTime: nextMinute,
      ...recurrenceBody(opts, timeZone),
      enabled: !opts.disabled,
    };
    const id = await automationAccountIdOf(client, opts.account);
    const r = await client.request('POST', apiPath`/api/v1/automation-accounts/${id}/schedules`, {
      body,
      schema: scheduleSchema,
    });
    s.out.result(r, () =>
      s.out.line(
        `Created schedule ${r.name} (${r.id}), ${recurrenceText(r)}; next run ${r.nextRunAt ?? 'none (disabled)'}.`,
      ),
    );
  });

  recurrenceOptions(
    schedule
      .command('update')
      .description('Change a schedule; its next run is computed again')
      .argument('<schedule>', 'schedule id (sch_…) or name (with --account)')
      .addOption(accountOption())
      .option('--name <name>', 'new name')
      .option('--enable', 'enable it')
      .option('--disable', 'disable it (it keeps its links)'),
    false,
  ).action(async (ref: string, opts, cmd: Command) => {
    const s = session(ctx, cmd);
    const client = s.client();
    if (opts.enable && opts.disable) throw bad('Give --enable or --disable, not both.');
    const current = await resolveSchedule(client, ref, opts.account);
    const body = recurrenceBody(opts, (opts.timeZone as string | undefined) ?? current.timeZone);
    if (opts.name !== undefined) body.name = opts.name;
    if (opts.enable) body.enabled = true;
    if (opts.disable) body.enabled = false;
    if (Object.keys(body).length === 0) throw bad('Give at least one change (see --help).');
    const r = await client.request('PATCH', apiPath`/api/v1/schedules/${current.id}`, {
      body,
      schema: scheduleSchema,
    });
    s.out.result(r, () =>
      s.out.line(`Updated schedule ${r.name} (${r.id}); next run ${r.nextRunAt ?? 'none'}.`),
    );
  });

  schedule
    .command('delete')
    .description('Delete a schedule and its links (the jobs it started stay)')
    .argument('<schedule>', 'schedule id (sch_…) or name (with --account)')
    .addOption(accountOption())
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const r = await resolveSchedule(client, ref, opts.account);
      await client.request('DELETE', apiPath`/api/v1/schedules/${r.id}`, { schema: z.undefined() });
      s.out.result({ deleted: r.id }, () => s.out.line(`Deleted schedule ${r.name} (${r.id}).`));
    });

  schedule
    .command('link')
    .description('Link a published runbook to a schedule with parameter values (again: replace them)')
    .argument('<schedule>', 'schedule id (sch_…) or name (with --account)')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .option('--param <Name=value>', 'a parameter value, JSON or text (repeatable)', collectParameter)
    .option('--run-on <target>', 'cloud (the Automation Pool)', 'cloud')
    .action(async (scheduleRef: string, runbookRef: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const sch = await resolveSchedule(client, scheduleRef, opts.account);
      const rb = await resolveRunbook(client, runbookRef, opts.account ?? sch.automationAccountId);
      const r = await client.request('PUT', apiPath`/api/v1/schedules/${sch.id}/links/${rb.id}`, {
        body: { parameters: opts.param ?? {}, runOn: opts.runOn },
        schema: scheduleSchema,
      });
      s.out.result(r, () =>
        s.out.line(`Linked runbook ${rb.name} to schedule ${r.name}; next run ${r.nextRunAt ?? 'none'}.`),
      );
    });

  schedule
    .command('unlink')
    .description('Unlink a runbook from a schedule')
    .argument('<schedule>', 'schedule id (sch_…) or name (with --account)')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .action(async (scheduleRef: string, runbookRef: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const sch = await resolveSchedule(client, scheduleRef, opts.account);
      const rb = await resolveRunbook(client, runbookRef, opts.account ?? sch.automationAccountId);
      await client.request('DELETE', apiPath`/api/v1/schedules/${sch.id}/links/${rb.id}`, {
        schema: z.undefined(),
      });
      s.out.result({ schedule: sch.id, unlinked: rb.id }, () =>
        s.out.line(`Unlinked runbook ${rb.name} from schedule ${sch.name}.`),
      );
    });
}
