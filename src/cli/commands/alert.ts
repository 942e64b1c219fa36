// `steward alert …`: list, show, raise, close and update alerts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type Alert,
  alertListSchema,
  alertSchema,
  priorities,
  RESOLUTION_CLOSED,
  severities,
} from '../../contract/alerts.js';
import { apiPath } from '../../contract/client.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { collectKeyValue, integerOption, timeOption } from '../options.js';
import type { Column, Output } from '../output.js';
import { fetchPaged } from '../paging.js';
import { session } from '../session.js';

const columns: Column<Alert>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'severity', value: (a) => a.severity },
  { header: 'priority', value: (a) => a.priority },
  { header: 'name', value: (a) => a.name },
  { header: 'source', value: (a) => a.sourceObjectId },
  { header: 'state', value: (a) => a.resolutionStateName },
  { header: 'repeats', value: (a) => a.repeatCount },
  { header: 'owner', value: (a) => a.owner },
  { header: 'raised', value: (a) => a.timeRaised },
];

function printAlert(out: Output, a: Alert): void {
  out.fields([
    ['Id', a.id],
    ['Name', a.name],
    ['Description', a.description],
    ['Severity', a.severity],
    ['Priority', a.priority],
    ['Resolution state', `${a.resolutionState} (${a.resolutionStateName})`],
    ['Source object', a.sourceObjectId],
    ['Raised by', a.workflowId ? `${a.sourceKind} ${a.workflowId}` : a.sourceKind],
    ['Category', a.category],
    ['Owner', a.owner],
    ['Ticket', a.ticketId],
    ...Object.entries(a.custom)
      .sort(([x], [y]) => Number(x) - Number(y))
      .map(([k, v]): [string, unknown] => [`Custom${k}`, v]),
    ['Repeat count', a.repeatCount],
    ['Dedupe key', a.dedupeKey],
    ['Raised', a.timeRaised],
    ['Resolved', a.timeResolved],
    ['Resolved by', a.resolvedBy],
    ['Last modified', a.lastModified],
    ['Last modified by', a.lastModifiedBy],
  ]);
}

/** `--custom 3=text`: the keys are 1 to 10; an empty value clears the field on update. */
function customOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const next = collectKeyValue(value, previous);
  for (const k of Object.keys(next)) {
    if (!/^(10|[1-9])$/.test(k))
      throw new InvalidArgumentError(`'${k}' is not a custom field: give 1 to 10.`);
  }
  return next;
}

/** An empty option value means "clear it". */
const orNull = (v: string | undefined) => (v === undefined ? undefined : v === '' ? null : v);

export function registerAlertCommands(program: Command, ctx: CliContext): void {
  const alert = program
    .command('alert')
    .description('Alerts raised by monitors and rules, by Steward itself or by people and scripts');

  alert
    .command('list')
    .description('List alerts, newest first (open ones unless --state says otherwise)')
    .addOption(
      new Option('--state <state>', 'open, closed or all').choices(['open', 'closed', 'all']).default('open'),
    )
    .addOption(new Option('--severity <severity>', 'only this severity').choices(severities))
    .addOption(new Option('--priority <priority>', 'only this priority').choices(priorities))
    .option('--object <id>', 'only alerts about this object, computer, server or pool')
    .option('--workflow <id>', 'only alerts raised by this workflow')
    .option('--since <time>', 'raised at or after this time (ISO 8601, or an age like 2h, 7d)', timeOption)
    .option('--limit <n>', 'at most this many (1-1000)', integerOption(1, 1000), 100)
    .option('--after-id <id>', 'continue after this alert (paging)')
    .option('--all', 'every matching alert, fetched page by page')
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await fetchPaged(s.client(), '/api/v1/alerts', alertListSchema, {
        query: {
          state: opts.state,
          severity: opts.severity,
          priority: opts.priority,
          sourceObject: opts.object,
          workflow: opts.workflow,
          since: opts.since,
        },
        all: Boolean(opts.all),
        limit: opts.limit,
        afterId: opts.afterId,
      });
      s.out.result(r, () => {
        s.out.table(r.items, columns, opts.state === 'open' ? 'No open alerts.' : 'No alerts.');
        if (r.nextAfterId) s.out.note(`More alerts: --after-id ${r.nextAfterId}, or --all.`);
      });
    });

  alert
    .command('show')
    .description('Show an alert')
    .argument('<id>', 'alert id (alrt_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const a = await s.client().request('GET', apiPath`/api/v1/alerts/${id}`, { schema: alertSchema });
      s.out.result(a, () => printAlert(s.out, a));
    });

  alert
    .command('raise')
    .description('Raise an alert (repeats the open alert with the same --dedupe-key instead)')
    .requiredOption('--name <name>', 'what happened, e.g. "Disk full"')
    .addOption(new Option('--severity <severity>', 'how bad').choices(severities).makeOptionMandatory())
    .addOption(new Option('--priority <priority>', 'how urgent (default medium)').choices(priorities))
    .option('--description <text>', 'more detail')
    .option('--object <id>', 'the object, computer, server or pool it is about')
    .option('--category <category>', 'a category, e.g. PerformanceHealth')
    .option('--owner <owner>', 'who works on it')
    .option('--ticket <id>', 'a ticket id in another system')
    .option('--custom <n=text>', 'a custom field 1-10 (repeatable)', customOption)
    .option('--dedupe-key <key>', 'raising again while it is open counts a repeat')
    .addHelpText(
      'after',
      `
Examples:
  steward alert raise --name "Disk full" --severity critical --object cmp_0a1b2c
  steward alert raise --name "Backup late" --severity warning --dedupe-key backup:web01`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const body = {
        name: opts.name,
        severity: opts.severity,
        priority: opts.priority,
        description: opts.description,
        sourceObjectId: opts.object,
        category: opts.category,
        owner: opts.owner,
        ticketId: opts.ticket,
        custom: opts.custom,
        dedupeKey: opts.dedupeKey,
      };
      const a = await s.client().request('POST', '/api/v1/alerts', { body, schema: alertSchema });
      s.out.result(a, () =>
        s.out.line(
          a.repeatCount > 0
            ? `Repeated alert ${a.name} (${a.id}): repeat count ${a.repeatCount}.`
            : `Raised ${a.severity} alert ${a.name} (${a.id}).`,
        ),
      );
    });

  alert
    .command('close')
    .description('Close an alert (resolution state 255)')
    .argument('<id>', 'alert id (alrt_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const a = await s.client().request('PATCH', apiPath`/api/v1/alerts/${id}`, {
        body: { resolutionState: RESOLUTION_CLOSED },
        schema: alertSchema,
      });
      s.out.result(a, () => s.out.line(`Closed alert ${a.name} (${a.id}).`));
    });

  alert
    .command('update')
    .description('Set an alert’s resolution state, owner, ticket, priority or custom fields')
    .argument('<id>', 'alert id (alrt_…)')
    .option('--state <n>', 'resolution state: 0 New, 255 Closed, 1-254 custom', integerOption(0, 255))
    .addOption(new Option('--priority <priority>', 'new priority').choices(priorities))
    .option('--owner <owner>', "who works on it ('' clears it)")
    .option('--ticket <id>', "a ticket id ('' clears it)")
    .option('--custom <n=text>', "a custom field 1-10 ('3=' clears field 3; repeatable)", customOption)
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const body: Record<string, unknown> = {};
      if (opts.state !== undefined) body.resolutionState = opts.state;
      if (opts.priority !== undefined) body.priority = opts.priority;
      if (opts.owner !== undefined) body.owner = orNull(opts.owner);
      if (opts.ticket !== undefined) body.ticketId = orNull(opts.ticket);
      if (opts.custom)
        body.custom = Object.fromEntries(
          Object.entries(opts.custom as Record<string, string>).map(([k, v]) => [k, orNull(v)]),
        );
      if (Object.keys(body).length === 0)
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give at least one change: --state, --priority, --owner, --ticket or --custom (see --help).',
        );
      const a = await s
        .client()
        .request('PATCH', apiPath`/api/v1/alerts/${id}`, { body, schema: alertSchema });
      s.out.result(a, () =>
        s.out.line(
          `Updated alert ${a.name} (${a.id}): state ${a.resolutionState} (${a.resolutionStateName}).`,
        ),
      );
    });
}
