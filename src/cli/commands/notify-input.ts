// What `steward notify …` makes of its arguments: JSON or YAML given inline or in a file, subscriber addresses,
// comma lists of ids and criteria values, the body of a subscription, and the one-line summaries of the tables.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { priorities, severities } from '../../contract/alerts.js';
import {
  addressProblem,
  type ChannelKind,
  type channelSchema,
  type deliverySchema,
} from '../../contract/notify-api.js';
import { CliError } from '../cli-error.js';
import type { Column } from '../output.js';

type Channel = z.infer<typeof channelSchema>;
type Delivery = z.infer<typeof deliverySchema>;

const bad = (message: string) => new CliError(message, 2, 'VALIDATION_FAILED');

export type ReadText = (file: string) => string;

const readFromDisk: ReadText = (file) => readFileSync(file === '-' ? 0 : file, 'utf8');

/**
 * An option that takes JSON inline (`'{"from":…}'`, `'[…]'`) or a file: JSON, or YAML when the file name
 * ends in .yaml or .yml; `-` reads standard input.
 */
export function readStructured(value: string, option: string, readText: ReadText = readFromDisk): unknown {
  const inline = /^\s*[[{]/.test(value);
  let text: string;
  if (inline) text = value;
  else {
    try {
      text = readText(value);
    } catch (err) {
      const reason =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw bad(`${option}: cannot read ${value} (${reason}); give a file or inline JSON.`);
    }
  }
  const yaml = !inline && /\.ya?ml$/i.test(value);
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const where = inline ? 'the value' : value;
    throw bad(`${option}: ${where} is not valid ${yaml ? 'YAML' : 'JSON'} (${(err as Error).message}).`);
  }
}

/** `--settings`: one object. */
export function readObject(value: string, option: string, readText?: ReadText): Record<string, unknown> {
  const v = readStructured(value, option, readText);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad(`${option}: give one JSON object, such as '{"from":"scom@contoso.com", …}'.`);
  return v as Record<string, unknown>;
}

/** The IANA time zone of this machine: what a schedule entry without one is taken to mean. */
export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * `--schedule`: a list of schedule entries (one entry alone is a list of one). Entries that name no time zone
 * get `timeZone`, the user's own, as the API asks clients to do.
 */
export function readSchedule(
  value: string,
  timeZone: string = localTimeZone(),
  readText?: ReadText,
): Record<string, unknown>[] {
  const v = readStructured(value, '--schedule', readText);
  const entries = Array.isArray(v) ? v : [v];
  return entries.map((e, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      throw bad(`--schedule: entry ${i + 1} is not an object such as {"allDay": true}.`);
    const entry = e as Record<string, unknown>;
    return entry.timeZone === undefined ? { ...entry, timeZone } : entry;
  });
}

/** Repeatable comma lists: `--to a,b --to c` gives [a, b, c]. */
export function collectIds(value: string, previous: string[] = []): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new InvalidArgumentError('give at least one id.');
  return [...previous, ...items];
}

/** A repeatable comma list whose values must be among `choices`; each value once. */
export function choiceList<T extends string>(choices: readonly T[]) {
  return (value: string, previous: T[] = []): T[] => {
    const out = [...previous];
    for (const raw of value.split(',')) {
      const v = raw.trim().toLowerCase();
      if (!(choices as readonly string[]).includes(v))
        throw new InvalidArgumentError(`'${raw.trim()}' is not one of ${choices.join(', ')}.`);
      if (!out.includes(v as T)) out.push(v as T);
    }
    return out;
  };
}

export const severityList = choiceList(severities);
export const priorityList = choiceList(priorities);

/** `--resolution-state 0,255`: resolution states 0 (New) to 255 (Closed). */
export function resolutionStateList(value: string, previous: number[] = []): number[] {
  const out = [...previous];
  for (const raw of value.split(',')) {
    const t = raw.trim();
    const n = Number(t);
    if (!/^\d+$/.test(t) || n > 255)
      throw new InvalidArgumentError(`'${t}' is not a resolution state: give 0 (New) to 255 (Closed).`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** A repeatable address option of one kind, checked as the server will check it. */
export function addressOption(kind: Exclude<ChannelKind, 'command'>) {
  return (value: string, previous: string[] = []): string[] => {
    const address = value.trim();
    const problem = addressProblem(kind, address);
    if (problem) throw new InvalidArgumentError(`'${address}' ${problem}.`);
    return [...previous, address];
  };
}

export interface AddressOptions {
  email?: string[];
  im?: string[];
  sms?: string[];
  teams?: string[];
  command?: boolean;
}

export interface Address {
  name: string;
  kind: ChannelKind;
  address: string;
}

/** The subscriber's addresses, named after their kind ("email", or "email 2" for the second one). */
export function addressesFrom(o: AddressOptions): Address[] {
  const out: Address[] = [];
  for (const kind of ['email', 'im', 'sms', 'teams'] as const) {
    const list = o[kind] ?? [];
    list.forEach((address, i) => {
      out.push({ name: list.length > 1 ? `${kind} ${i + 1}` : kind, kind, address });
    });
  }
  if (o.command) out.push({ name: 'command', kind: 'command', address: '' });
  if (!out.length) throw bad('Give at least one address: --email, --im, --sms, --teams or --command.');
  return out;
}

export interface SubscriptionOptions {
  to: string[];
  cc?: string[];
  bcc?: string[];
  channel: string[];
  description?: string;
  severity?: string[];
  priority?: string[];
  resolutionState?: number[];
  class?: string[];
  group?: string[];
  workflow?: string[];
  criteria?: string;
  delay?: number;
  onlyOnResolutionChange?: boolean;
  disabled?: boolean;
}

/** The body of POST /notification-subscriptions; criteria options add to (and win over) --criteria. */
export function subscriptionBody(
  name: string,
  o: SubscriptionOptions,
  readText?: ReadText,
): Record<string, unknown> {
  const criteria: Record<string, unknown> = o.criteria ? readObject(o.criteria, '--criteria', readText) : {};
  const set = (key: string, v: unknown[] | undefined) => {
    if (v?.length) criteria[key] = v;
  };
  set('severities', o.severity);
  set('priorities', o.priority);
  set('resolutionStates', o.resolutionState);
  set('classIds', o.class);
  set('groupIds', o.group);
  set('workflowIds', o.workflow);
  return {
    name,
    ...(o.description !== undefined ? { description: o.description } : {}),
    enabled: !o.disabled,
    criteria,
    to: o.to,
    cc: o.cc ?? [],
    bcc: o.bcc ?? [],
    channelIds: o.channel,
    delaySeconds: o.delay ?? 0,
    onlyOnResolutionChange: Boolean(o.onlyOnResolutionChange),
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Where a channel sends, in a few words: its servers, chat server, gateways, Teams mode or program. */
export function channelTarget(c: Pick<Channel, 'kind' | 'settings'>): string {
  const s = c.settings;
  switch (c.kind) {
    case 'email': {
      const servers = (Array.isArray(s.servers) ? s.servers : []) as { host?: string; port?: number }[];
      return `${servers.map((x) => `${x.host}:${x.port ?? 25}`).join(', ')} from ${str(s.from)}`;
    }
    case 'im':
      return `${str(s.protocol)}://${str(s.server)}:${String(s.port ?? '')}${str(s.path)} as ${str(s.returnAddress)}`;
    case 'sms':
      return `${(Array.isArray(s.gateways) ? s.gateways : []).join(', ')} from ${str(s.from)}`;
    case 'teams':
      return s.mode === 'graph' ? `graph, tenant ${str(s.tenantId)}` : 'incoming webhooks';
    case 'command':
      return str(s.applicationPath);
  }
}

/** Subscription criteria as one line: `severity critical,warning; class System.Computer`; none: every alert. */
export function criteriaSummary(criteria: Record<string, unknown>): string {
  const labels: [string, string][] = [
    ['severities', 'severity'],
    ['priorities', 'priority'],
    ['resolutionStates', 'state'],
    ['classIds', 'class'],
    ['groupIds', 'group'],
    ['workflowIds', 'workflow'],
  ];
  const parts = labels
    .filter(([key]) => Array.isArray(criteria[key]) && (criteria[key] as unknown[]).length > 0)
    .map(([key, label]) => `${label} ${(criteria[key] as unknown[]).join(',')}`);
  const text = (criteria.text ?? []) as { field: string; op: string; value: string }[];
  for (const t of text) parts.push(`${t.field} ${t.op} "${t.value}"`);
  return parts.length ? parts.join('; ') : 'every alert';
}

/** The delivery table: what operators read to find dead letters and why they died. */
export const deliveryColumns: Column<Delivery>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'created', value: (d) => d.createdAt },
  { header: 'status', value: (d) => d.status },
  { header: 'attempts', value: (d) => d.attempts },
  { header: 'alert', value: (d) => d.alertId },
  // A message shared by several subscriptions (one per address and change) names them all.
  { header: 'subscription', value: (d) => d.subscriptionIds.join(',') },
  { header: 'address', value: (d) => (d.role === 'to' ? d.address : `${d.address} (${d.role})`) },
  { header: 'last error', value: (d) => d.lastError },
];
