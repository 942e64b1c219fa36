// Notification message templates: SCOM's `$Data/Context/DataItem/<Field>$` tokens and the default formats (R40, R41).
import { type NotificationAlert, priorityDisplayNames, severityDisplayNames } from './alert.js';
import { formatLocal, formatUtc, isIanaTimeZone } from './zoned-time.js';

/** What a template can draw on besides the alert. Every field is optional: a missing one renders as ''. */
export interface TemplateContext {
  alert: NotificationAlert;
  /** Base URL of the web console (`…AlertNotificationSubscriptionServer"]/WebConsoleUrl$`). */
  webConsoleUrl?: string;
  /** Name of the server sending the notification (`…AlertNotificationSubscriptionServer"]/PrincipalName$`). */
  principalName?: string;
  /** The address being notified (`$Data/Recipients/To/Address/Address$`). */
  recipientAddress?: string;
  /** IANA zone for the `…Local` time fields; UTC when absent or unknown. */
  timeZone?: string;
}

/**
 * How substituted values are escaped; the template's own text is never touched.
 * `html` for HTML e-mail bodies, `json` for the inside of JSON strings (Teams Adaptive Card templates).
 */
export type TemplateEscaping = 'none' | 'html' | 'json';

type FieldValue = (ctx: TemplateContext) => string | null | undefined;

const text = (v: string | null | undefined) => v ?? undefined;
const utc = (d: Date | null | undefined) => (d ? formatUtc(d) : undefined);
const local = (ctx: TemplateContext, d: Date | null | undefined) =>
  d ? formatLocal(d, ctx.timeZone && isIanaTimeZone(ctx.timeZone) ? ctx.timeZone : 'UTC') : undefined;

/** Time fields come in pairs: `<Field>` in UTC and `<Field>Local` in the context's zone. */
const timeFields: Record<string, (a: NotificationAlert) => Date | null | undefined> = {
  DataItemCreateTime: (a) => a.lastModified,
  LastModified: (a) => a.lastModified,
  ResolutionStateLastModified: (a) => a.resolutionStateLastModified,
  TimeAdded: (a) => a.timeAdded ?? a.timeRaised,
  TimeRaised: (a) => a.timeRaised,
  TimeResolved: (a) => a.timeResolved,
};

const plainFields: Record<string, FieldValue> = {
  AlertId: ({ alert }) => alert.id,
  AlertName: ({ alert }) => alert.name,
  AlertDescription: ({ alert }) => alert.description,
  Category: ({ alert }) => text(alert.category),
  CreatedByMonitor: ({ alert }) =>
    alert.createdByMonitor === undefined ? undefined : String(alert.createdByMonitor),
  LastModifiedBy: ({ alert }) => text(alert.lastModifiedBy),
  ManagedEntity: ({ alert }) => text(alert.sourceObjectId),
  ManagedEntityDisplayName: ({ alert }) => text(alert.sourceName),
  ManagedEntityFullName: ({ alert }) => text(alert.sourceFullName),
  ManagedEntityPath: ({ alert }) => text(alert.sourcePath),
  Priority: ({ alert }) => priorityDisplayNames[alert.priority],
  Owner: ({ alert }) => text(alert.owner),
  AlertOwner: ({ alert }) => text(alert.owner),
  RepeatCount: ({ alert }) => String(alert.repeatCount),
  ResolutionState: ({ alert }) => String(alert.resolutionState),
  ResolutionStateName: ({ alert }) => alert.resolutionStateName,
  ResolvedBy: ({ alert }) => text(alert.resolvedBy),
  Severity: ({ alert }) => severityDisplayNames[alert.severity],
  TicketId: ({ alert }) => text(alert.ticketId),
  WorkflowId: ({ alert }) => text(alert.workflowId),
};

const dataItemFields: ReadonlyMap<string, FieldValue> = new Map([
  ...Object.entries(plainFields),
  ...Object.entries(timeFields).flatMap(([name, get]): [string, FieldValue][] => [
    [name, (ctx) => utc(get(ctx.alert))],
    [`${name}Local`, (ctx) => local(ctx, get(ctx.alert))],
  ]),
  ...Array.from({ length: 10 }, (_, i): [string, FieldValue] => [
    `Custom${i + 1}`,
    ({ alert }) => alert.custom[String(i + 1) as keyof NotificationAlert['custom']],
  ]),
]);

/** Field names a `$Data/Context/DataItem/<Field>$` token may use. */
export const templateFieldNames: readonly string[] = [...dataItemFields.keys()];

const SUBSCRIPTION_SERVER =
  'Property[Type="Notification!Microsoft.SystemCenter.AlertNotificationSubscriptionServer"]';

const targetFields: Record<string, FieldValue> = {
  [`/${SUBSCRIPTION_SERVER}/WebConsoleUrl`]: (ctx) => ctx.webConsoleUrl,
  [`/${SUBSCRIPTION_SERVER}/PrincipalName`]: (ctx) => ctx.principalName,
};

// A token is `$Head[bracket]/path/with[brackets]$`: no white space outside quotes, so a lone `$` or
// prose such as "costs $5 and $6" stays literal text. Quoted text may hold anything but a line break.
const QUOTED = `'[^'\\r\\n]*'|"[^"\\r\\n]*"`;
const BRACKET = `\\[(?:${QUOTED}|[^\\]'"$\\r\\n])*\\]`;
const TOKEN = new RegExp(`\\$([A-Za-z]\\w*)(${BRACKET})?((?:/(?:\\w|${BRACKET})+)*)\\$`, 'g');
const DEFAULT_BRACKET = /^\[Default=(?:'([^']*)'|"([^"]*)")\]$/;
const DATA_ITEM_PATH = /^\/Context\/DataItem\/(\w+)$/;

interface ParsedToken {
  value: FieldValue;
  fallback: string | undefined;
  urlEncode: boolean;
}

// Inside a JSON template (a Teams card) the double quotes of a token are written escaped: `[Type=\"…\"]`.
const unescapeQuotes = (s: string) => s.replaceAll('\\"', '"');

function parseToken(head: string, rawBracket: string | undefined, rawPath: string): ParsedToken | undefined {
  const bracket = rawBracket === undefined ? undefined : unescapeQuotes(rawBracket);
  const path = unescapeQuotes(rawPath).replaceAll("'", '"');
  let fallback: string | undefined;
  if (bracket !== undefined) {
    const m = DEFAULT_BRACKET.exec(bracket);
    if (!m) return undefined;
    fallback = m[1] ?? m[2];
  }
  if (head === 'Target') {
    const value = bracket === undefined ? targetFields[path] : undefined;
    return value && { value, fallback, urlEncode: false };
  }
  if (head !== 'Data' && head !== 'UrlEncodeData') return undefined;
  const urlEncode = head === 'UrlEncodeData';
  if (path === '/Recipients/To/Address/Address') {
    return { value: (ctx) => ctx.recipientAddress, fallback, urlEncode };
  }
  const field = DATA_ITEM_PATH.exec(path)?.[1];
  const value = field === undefined ? undefined : dataItemFields.get(field);
  return value && { value, fallback, urlEncode };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeValue(value: string, escaping: TemplateEscaping): string {
  switch (escaping) {
    case 'none':
      return value;
    case 'html':
      return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
    case 'json':
      return JSON.stringify(value).slice(1, -1);
  }
}

/**
 * Substitutes every token of `template`. A field with no value (absent, null or empty) renders as the
 * token's `[Default='…']` text, or as '' when it has none (DESIGN Q6). Unknown tokens render as ''.
 * Alert values are escaped per `escaping` (after URL-encoding for `$UrlEncodeData…$`); defaults are not.
 */
export function renderTemplate(
  template: string,
  ctx: TemplateContext,
  escaping: TemplateEscaping = 'none',
): string {
  return template.replace(TOKEN, (_whole, head: string, bracket: string | undefined, path: string) => {
    const token = parseToken(head, bracket, path);
    if (!token) return '';
    const value = token.value(ctx);
    // The default is template text, written for the place it stands in: it is inserted as written.
    if (value === undefined || value === null || value === '') return token.fallback ?? '';
    return escapeValue(token.urlEncode ? encodeURIComponent(value) : value, escaping);
  });
}

/** Renders an HTML e-mail body: alert values are HTML-escaped, the template's own markup is kept. */
export const renderHtmlTemplate = (template: string, ctx: TemplateContext): string =>
  renderTemplate(template, ctx, 'html');

/** The tokens of `template` that name nothing Steward knows, each once, in order of appearance. */
export function validateTemplate(template: string): string[] {
  const unknown: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    const [whole, head = '', bracket, path = ''] = m;
    if (!parseToken(head, bracket, path) && !unknown.includes(whole)) unknown.push(whole);
  }
  return unknown;
}

/** Channel kinds that carry a message; command channels run a program and produce none (R41). */
export const messageChannelKinds = ['email', 'im', 'sms', 'teams'] as const;
export type MessageChannelKind = (typeof messageChannelKinds)[number];

export interface MessageFormat {
  /** E-mail only. */
  subject?: string;
  body: string;
}

const field = (name: string) => `$Data/Context/DataItem/${name}$`;
const webConsoleUrl = `$Target/${SUBSCRIPTION_SERVER}/WebConsoleUrl$`;
const alertLink = `${webConsoleUrl}/alerts/$UrlEncodeData/Context/DataItem/AlertId$`;
const headline = `Alert: ${field('AlertName')} Resolution state: ${field('ResolutionStateName')}`;

const adaptiveCard = {
  type: 'AdaptiveCard',
  version: '1.4',
  body: [
    { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: `Alert: ${field('AlertName')}` },
    {
      type: 'FactSet',
      facts: [
        { title: 'Severity', value: field('Severity') },
        { title: 'Priority', value: field('Priority') },
        { title: 'Resolution state', value: field('ResolutionStateName') },
        { title: 'Source', value: field('ManagedEntityDisplayName') },
        { title: 'Path', value: field('ManagedEntityPath') },
        { title: 'Raised', value: field('TimeRaisedLocal') },
        { title: 'Last modified by', value: field('LastModifiedBy') },
      ],
    },
    { type: 'TextBlock', wrap: true, text: field('AlertDescription') },
    { type: 'TextBlock', wrap: true, text: `Alert view link: ${alertLink}` },
  ],
};

/** The formats a channel uses when it defines none (R41). The Teams body is an Adaptive Card JSON template. */
export const defaultFormats: Readonly<Record<MessageChannelKind, Readonly<MessageFormat>>> = {
  email: {
    subject: headline,
    body: [
      `Alert: ${field('AlertName')}`,
      `Source: ${field('ManagedEntityDisplayName')}`,
      `Path: ${field('ManagedEntityPath')}`,
      `Last modified by: ${field('LastModifiedBy')}`,
      `Last modified time: ${field('LastModifiedLocal')}`,
      `Alert description: ${field('AlertDescription')}`,
      `Alert view link: ${alertLink}`,
    ].join('\n'),
  },
  im: {
    body: [
      headline,
      `Path: ${field('ManagedEntityPath')}`,
      `Last modified by: ${field('LastModifiedBy')}`,
    ].join('\n'),
  },
  sms: { body: headline },
  teams: { body: JSON.stringify(adaptiveCard, null, 2) },
};

export interface ChannelFormat {
  subject?: string;
  body?: string;
  /** E-mail: the channel's own body is HTML. */
  bodyIsHtml?: boolean;
}

export interface RenderedMessage {
  /** Set for e-mail only; never contains a line break. */
  subject?: string;
  body: string;
  bodyIsHtml: boolean;
}

/**
 * The message a channel of `kind` sends for `ctx`: the channel's templates, or the defaults of R41 where it
 * has none. HTML bodies escape values for HTML, Teams cards escape them for JSON strings.
 */
export function renderMessage(
  kind: MessageChannelKind,
  format: ChannelFormat,
  ctx: TemplateContext,
): RenderedMessage {
  const defaults = defaultFormats[kind];
  const ownBody = format.body !== undefined && format.body !== '';
  const bodyIsHtml = kind === 'email' && ownBody && format.bodyIsHtml === true;
  const escaping: TemplateEscaping = kind === 'teams' ? 'json' : bodyIsHtml ? 'html' : 'none';
  const body = renderTemplate(ownBody ? (format.body as string) : defaults.body, ctx, escaping);
  if (kind !== 'email') return { body, bodyIsHtml };
  const subjectTemplate =
    format.subject !== undefined && format.subject !== '' ? format.subject : defaults.subject;
  // A line break in a value must not start a new mail header.
  const subject = renderTemplate(subjectTemplate ?? '', ctx).replace(/[\r\n]+/g, ' ');
  return { subject, body, bodyIsHtml };
}
