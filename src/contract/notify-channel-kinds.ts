// Settings of the IM, SMS, Microsoft Teams and command notification channels (domain-spec §1.2, R39, R47;
// DESIGN Q12, Q13). Secrets never appear here: a channel that signs in uses the notification Run As account.
import { z } from 'zod';
import { templateTextSchema } from './notify.js';

/** A URL host name, as `URL` normalises it, of the loopback interface: localhost, 127.0.0.0/8 or [::1]. */
const LOOPBACK_HOSTNAME = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Credentials and alert text travel over HTTPS; plain HTTP only to the loopback interface (development). */
export function isSecureOrLoopbackUrl(value: string): boolean {
  try {
    const u = new URL(value);
    if (u.protocol === 'https:') return true;
    return u.protocol === 'http:' && LOOPBACK_HOSTNAME.test(u.hostname);
  } catch {
    return false;
  }
}

/** Whether `host` (a host name, IPv4 or IPv6 address) is the loopback interface: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  try {
    // URL writes every spelling of an address one way (0:0:0:0:0:0:0:1 is [::1], LOCALHOST is localhost).
    return LOOPBACK_HOSTNAME.test(new URL(`http://${host.includes(':') ? `[${host}]` : host}`).hostname);
  } catch {
    return false;
  }
}

const serviceUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine(isSecureOrLoopbackUrl, 'must be an https:// URL (http:// is accepted for localhost only)')
  .refine((v) => {
    const u = new URL(v);
    return u.username === '' && u.password === '';
  }, 'must not contain a user name or password: the channel signs in with its Run As account');

const serviceBaseUrl = serviceUrl.refine((v) => {
  const u = new URL(v);
  return u.search === '' && u.hash === '';
}, 'must be a base URL without query or fragment');

const guid = z
  .string()
  .regex(
    /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/,
    'must be a GUID such as 00000000-0000-0000-0000-000000000000',
  );

/** `sip:user@host` (scheme case-insensitive), as SCOM IM return and delivery addresses are written. */
export const sipUriSchema = z
  .string()
  .trim()
  .max(512)
  .regex(
    /^[sS][iI][pP]:[^\s@:;<>"]+@[A-Za-z0-9.-]+(:\d{1,5})?$/,
    'must be a sip: URI such as sip:ops@contoso.com',
  );

// ---------------------------------------------------------------- IM

export const imProtocols = ['tcp', 'tls'] as const;
/** DESIGN Q13: the port a protocol uses when the channel names none. */
export const imDefaultPorts: Readonly<Record<(typeof imProtocols)[number], number>> = {
  tcp: 5060,
  tls: 5061,
};

const imProtocol = z
  .enum(imProtocols)
  .describe(
    'tcp posts over http://, tls over https://; account authentication needs tls (except to localhost)',
  );
const imPath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must be a URL path starting with /')
  .describe('path of the incoming webhook on the server');
const imAuthentication = z
  .enum(['anonymous', 'account'])
  .describe(
    'account: "Authorization: Bearer" with the token of the Run As account, which must be of type token',
  );
const imContentType = z
  .enum(['text/plain', 'text/markdown'])
  .describe('text/plain asks the chat server not to format the text (mrkdwn false); text/markdown lets it');
const imPort = z.number().int().min(1).max(65_535);

const imFields = {
  server: z
    .hostname()
    .max(253)
    .describe('host name or IP address of the chat server that receives the webhook'),
  returnAddress: sipUriSchema.describe('sip: URI the messages come from; posted as the webhook "username"'),
  body: templateTextSchema(8192)
    .optional()
    .describe('message template; default: headline, path and last modified by (R41)'),
};

const imInput = z.strictObject({
  ...imFields,
  protocol: imProtocol.default('tcp'),
  port: imPort.optional().describe('default 5060 for tcp, 5061 for tls (DESIGN Q13)'),
  path: imPath.default('/hooks/steward'),
  authentication: imAuthentication.default('anonymous'),
  contentType: imContentType.default('text/plain'),
});

const imOutput = z.strictObject({
  ...imFields,
  protocol: imProtocol,
  port: imPort.describe('TCP port of the webhook'),
  path: imPath,
  authentication: imAuthentication,
  contentType: imContentType,
});

/**
 * IM channel (a Slack/Mattermost-compatible chat webhook at `http(s)://server:port/path`). Parsing fills in the
 * port from the protocol (S37); the output always has one.
 */
export const imChannelSettingsSchema = imInput
  .transform((v) => ({ ...v, port: v.port ?? imDefaultPorts[v.protocol] }))
  .pipe(imOutput)
  .superRefine((v, ctx) => {
    if (
      v.authentication === 'account' &&
      v.protocol === 'tcp' &&
      !isSecureOrLoopbackUrl(`http://${v.server}`)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['protocol'],
        message:
          'must be tls when the channel signs in with an account: a token must not travel in clear text',
      });
    }
  })
  .describe('IM channel: a chat webhook receiving {"text","username","channel"}');
export type ImChannelSettingsInput = z.input<typeof imChannelSettingsSchema>;
export type ImChannelSettings = z.output<typeof imChannelSettingsSchema>;

// ---------------------------------------------------------------- SMS

/** A phone number (optional +, 3–20 digits) or an alphanumeric sender id of at most 11 characters. */
const smsSender = z
  .string()
  .trim()
  .regex(
    /^(\+?\d{3,20}|(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})$/,
    'must be a phone number such as +15551234567 or an alphanumeric sender id of at most 11 characters',
  );

export const smsChannelSettingsSchema = z
  .strictObject({
    gateways: z
      .array(serviceUrl)
      .min(1)
      .max(5)
      .describe(
        'HTTP SMS gateways (Twilio-style form POST); the first is primary, the others backups in order (R39)',
      ),
    from: smsSender.describe('sender number or id, posted as From'),
    primaryRetryIntervalSeconds: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(300)
      .describe('after switching to a backup, how long before the primary is tried first again (R39)'),
    body: templateTextSchema(1600)
      .optional()
      .describe('message template; default "Alert: <name> Resolution state: <state>" (R41)'),
    encoding: z
      .enum(['default', 'unicode'])
      .default('default')
      .describe('default: the GSM 7-bit alphabet, other characters become "?"; unicode: sent as written'),
  })
  .describe(
    'SMS channel: the Run As account (user name and password) signs in to the gateways with HTTP Basic',
  );
export type SmsChannelSettingsInput = z.input<typeof smsChannelSettingsSchema>;
export type SmsChannelSettings = z.output<typeof smsChannelSettingsSchema>;

// ---------------------------------------------------------------- Microsoft Teams

/** A JSON template whose top level is an Adaptive Card (tokens sit inside JSON strings). */
const adaptiveCardTemplate = templateTextSchema(65_536).refine((text) => {
  try {
    const card: unknown = JSON.parse(text);
    return typeof card === 'object' && card !== null && (card as { type?: unknown }).type === 'AdaptiveCard';
  } catch {
    return false;
  }
}, 'must be the JSON of an Adaptive Card ({"type":"AdaptiveCard", …})');

const teamsMessage = adaptiveCardTemplate
  .optional()
  .describe('Adaptive Card JSON template; values are JSON-escaped; default: the card of R41');

/** Host patterns: `name.example.com` exactly, or `*.example.com` for any name below it. */
const hostPattern = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/,
    'must be a host name, optionally starting with *. for any name below it',
  );

export const defaultTeamsWebhookHosts = [
  '*.webhook.office.com',
  'outlook.office.com',
  '*.logic.azure.com',
  '*.api.powerplatform.com',
] as const;

export const teamsGraphSettingsSchema = z
  .strictObject({
    mode: z.literal('graph').describe('post as the Run As account through Microsoft Graph (R47)'),
    tenantId: z
      .union([guid, z.hostname().max(253)])
      .describe('Entra tenant: GUID or verified domain such as contoso.onmicrosoft.com'),
    clientId: guid.describe(
      'application (client) id of the Entra app with delegated ChannelMessage.Send, admin consent and public client flows',
    ),
    authorizationUrl: serviceBaseUrl
      .default('https://login.microsoftonline.com')
      .describe('Entra sign-in endpoint; login.microsoftonline.us for GCC High and DoD'),
    graphApiUrl: serviceBaseUrl
      .default('https://graph.microsoft.com')
      .describe(
        'Graph endpoint; graph.microsoft.us (GCC High) or dod-graph.microsoft.us (DoD). The token scope is <graphApiUrl>/ChannelMessage.Send',
      ),
    message: teamsMessage,
  })
  .describe(
    'Teams through Graph: subscriber addresses are "link to channel" URLs; the Run As account is a Simple Authentication account without MFA',
  );

export const teamsWebhookSettingsSchema = z
  .strictObject({
    mode: z
      .literal('webhook')
      .describe('post to incoming-webhook URLs (Workflows or connectors); no account'),
    webhookHosts: z
      .array(hostPattern)
      .min(1)
      .max(20)
      .default([...defaultTeamsWebhookHosts])
      .describe('hosts a subscriber webhook URL may point to, so an address cannot aim the server elsewhere'),
    message: teamsMessage,
  })
  .describe('Teams through incoming webhooks: each subscriber address is a webhook URL (https)');

export const teamsChannelSettingsSchema = z
  .discriminatedUnion('mode', [teamsGraphSettingsSchema, teamsWebhookSettingsSchema])
  .describe('Microsoft Teams channel (DESIGN Q12)');
export type TeamsChannelSettingsInput = z.input<typeof teamsChannelSettingsSchema>;
export type TeamsChannelSettings = z.output<typeof teamsChannelSettingsSchema>;
export type TeamsGraphSettings = z.output<typeof teamsGraphSettingsSchema>;
export type TeamsWebhookSettings = z.output<typeof teamsWebhookSettingsSchema>;

// ---------------------------------------------------------------- command

const absolutePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.includes('\0'), 'must not contain a NUL character')
  .regex(
    /^(\/|[A-Za-z]:[\\/]|\\\\)/,
    'must be an absolute path such as /opt/notify/page.sh or C:\\Tools\\page.exe',
  );

export const commandChannelSettingsSchema = z
  .strictObject({
    applicationPath: absolutePath.describe('program to run, started directly (no shell)'),
    arguments: z
      .array(templateTextSchema(4096))
      .max(64)
      .default([])
      .describe(
        'one template per argument, rendered with the alert fields; no shell, so no quoting is needed',
      ),
    alertTextArguments: z
      .enum(['refuse-leading-dash', 'after-double-dash'])
      .default('refuse-leading-dash')
      .describe(
        'alert text must not become an option of the program: refuse-leading-dash fails the run when alert text puts a "-" at the start of an argument; after-double-dash passes "--" before the first argument that holds alert fields (put your own options before those)',
      ),
    workingDirectory: absolutePath
      .optional()
      .describe('directory the program starts in; default the root of the file system (SCOM: %systemdrive%)'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe('the program (and what it started) is killed after this long'),
  })
  .describe('command channel: runs a program with the alert fields as arguments; it sends no message (R41)');
export type CommandChannelSettingsInput = z.input<typeof commandChannelSettingsSchema>;
export type CommandChannelSettings = z.output<typeof commandChannelSettingsSchema>;

// ---------------------------------------------------------------- by kind

/** The settings schema of each of these channel kinds, for routes and storage that dispatch on the kind. */
export const channelKindSchemas = {
  im: imChannelSettingsSchema,
  sms: smsChannelSettingsSchema,
  teams: teamsChannelSettingsSchema,
  command: commandChannelSettingsSchema,
} as const;
export type ChannelKindWithSchema = keyof typeof channelKindSchemas;
