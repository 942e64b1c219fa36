// Schemas of notification channel settings, one export family per channel kind (domain-spec §1.2, R37–R39).
import { z } from 'zod';
import { templateTextSchema } from './notify.js';
import { isLoopbackHost } from './notify-channel-kinds.js';

// ---------------------------------------------------------------- e-mail (SMTP)

export const emailTlsModes = ['none', 'starttls', 'implicit'] as const;
export type EmailTlsMode = (typeof emailTlsModes)[number];

/**
 * The TLS mode a server uses when it names none: STARTTLS on submission (587), TLS from the first byte on
 * SMTPS (465); elsewhere STARTTLS when the channel signs in (a password never crosses the network in the
 * clear: `none` is accepted with sign-in for a loopback server only), plain SMTP for anonymous channels.
 */
export const defaultEmailTls = (port: number, signsIn = false): EmailTlsMode =>
  port === 587 ? 'starttls' : port === 465 ? 'implicit' : signsIn ? 'starttls' : 'none';

/** The TLS mode in force for `server`: its own, or the default of its port. */
export const emailServerTls = (
  server: { port: number; tls?: EmailTlsMode | undefined },
  signsIn = false,
): EmailTlsMode => server.tls ?? defaultEmailTls(server.port, signsIn);

/**
 * Whether a channel that signs in would send its account's password to `server` readable by the network: plain
 * SMTP (`tls: none`) to anything but the loopback interface (localhost, 127.0.0.0/8, ::1).
 */
export const emailPasswordInClear = (server: {
  host: string;
  port: number;
  tls?: EmailTlsMode | undefined;
}) => emailServerTls(server, true) === 'none' && !isLoopbackHost(server.host);

/** Character sets a mail channel writes its subject and body in (SCOM's channel encoding). */
export const emailEncodings = ['utf-8', 'iso-8859-1', 'us-ascii'] as const;
export type EmailEncoding = (typeof emailEncodings)[number];

/** Headers the channel sets itself from its other fields, or that the mail system owns. */
export const emailReservedHeaders: readonly string[] = [
  'bcc',
  'cc',
  'content-disposition',
  'content-transfer-encoding',
  'content-type',
  'date',
  'dkim-signature',
  'from',
  'importance',
  'in-reply-to',
  'message-id',
  'mime-version',
  'received',
  'references',
  'reply-to',
  'return-path',
  'sender',
  'subject',
  'to',
  'x-msmail-priority',
  'x-priority',
  'x-steward-subscriptions',
];

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .refine(
    (v) => z.hostname().safeParse(v).success || z.ipv6().safeParse(v).success,
    'must be a host name or an IP address',
  );

const mailboxSchema = z.email('must be an e-mail address like scom@contoso.com').max(254);

export const emailServerSchema = z
  .strictObject({
    host: hostSchema.describe('FQDN or IP address of the SMTP server'),
    port: z.number().int().min(1).max(65_535).default(25).describe('TCP port; default 25'),
    tls: z
      .enum(emailTlsModes)
      .optional()
      .describe(
        'none: plain SMTP, with authentication "account" for a loopback server only (localhost, 127.0.0.0/8, ::1); ' +
          'starttls: upgrade with STARTTLS, refuse a server that does not offer it; implicit: TLS from the ' +
          'first byte. Absent: starttls on port 587, implicit on 465, none otherwise',
      ),
  })
  .describe('one SMTP server');
export type EmailServer = z.infer<typeof emailServerSchema>;

const headerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,75}$/, 'must be a header name of letters, digits and hyphens')
  .refine(
    (name) => !emailReservedHeaders.includes(name.toLowerCase()),
    'is set by the channel itself and cannot be given as an extra header',
  );

const headerValueSchema = z
  .string()
  .max(998)
  // No control character but tab: a CR or LF would start a header of the value's choosing.
  .refine(
    (v) => [...v].every((c) => c === '\t' || (c >= ' ' && c !== '\u007f')),
    'must not contain line breaks or control characters',
  );

export const emailHeadersSchema = z
  .record(headerNameSchema, headerValueSchema)
  .refine((h) => Object.keys(h).length <= 50, 'at most 50 extra headers')
  .refine(
    (h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length,
    'header names must differ in more than letter case',
  );

export const emailImportanceSchema = z.enum(['low', 'normal', 'high']);

/** How the channel signs in: `anonymous` never does; `account` uses the Run As account of the channel's
 * profile, resolved by the server (R35, R37). */
export const emailAuthenticationSchema = z.enum(['anonymous', 'account']);

export const emailChannelSettingsSchema = z
  .strictObject({
    servers: z
      .array(emailServerSchema)
      .min(1)
      .max(10)
      .describe('ordered: the first is the primary, the others are tried in turn when it fails (R39)'),
    from: mailboxSchema.describe('return address: the From header and the envelope sender'),
    replyTo: mailboxSchema.optional().describe('Reply-To header'),
    headers: emailHeadersSchema
      .optional()
      .describe(
        'extra headers, name to value; names the channel sets itself (From, To, Subject, …) are refused',
      ),
    primaryRetryIntervalSeconds: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(300)
      .describe('after switching to a backup server, try the primary again once this long has passed (R39)'),
    subject: templateTextSchema(1000)
      .optional()
      .describe('subject template (R40); default "Alert: <name> Resolution state: <state>"'),
    body: templateTextSchema(65_536)
      .optional()
      .describe('body template (R40); default: the e-mail format of R41'),
    bodyIsHtml: z
      .boolean()
      .default(false)
      .describe('the body template is HTML; alert values are HTML-escaped'),
    importance: emailImportanceSchema
      .optional()
      .describe('Importance and X-Priority headers; absent: the mail carries none'),
    encoding: z
      .enum(emailEncodings)
      .default('utf-8')
      .describe(
        'character set of the subject and body; a character the set lacks is written "?" (utf-8 has them all)',
      ),
    noSubjectEncoding: z
      .boolean()
      .default(false)
      .describe(
        'send the subject as it is, not MIME-encoded (RFC 2047), for mail systems that show encoded subjects ' +
          'raw; a subject with characters outside US-ASCII then needs an 8-bit-clean path',
      ),
    maxPrimaryRecipientsPerMail: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'most To recipients in one mail; Steward sends each recipient a message of its own, so every mail ' +
          'has one and any limit is met',
      ),
    authentication: emailAuthenticationSchema
      .default('account')
      .describe(
        'account: sign in with the Run As account of the channel’s profile (Notification Account, or the ' +
          'external-mail profile); anonymous: never sign in',
      ),
    external: z
      .boolean()
      .default(false)
      .describe(
        'external mail (R38): one server only, authentication "account" with a Simple Authentication ' +
          'account whose mailbox is the return address',
      ),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.servers.forEach((server, i) => {
      const key = `${server.host.toLowerCase()}:${server.port}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['servers', i], message: 'lists this server twice' });
      seen.add(key);
      if (s.authentication === 'account' && emailPasswordInClear(server))
        ctx.addIssue({
          code: 'custom',
          path: ['servers', i, 'tls'],
          message:
            'must be starttls or implicit when the channel signs in with an account: the password must not ' +
            'cross the network in clear text (none is accepted for a loopback server only)',
        });
    });
    if (!s.external) return;
    if (s.servers.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['servers'],
        message: 'an external-mail channel has exactly one server',
      });
    }
    if (s.authentication !== 'account') {
      ctx.addIssue({
        code: 'custom',
        path: ['authentication'],
        message: 'an external-mail channel signs in with its account',
      });
    }
  })
  .describe('settings of an e-mail (SMTP) channel');
export type EmailChannelSettings = z.infer<typeof emailChannelSettingsSchema>;
export type EmailChannelSettingsInput = z.input<typeof emailChannelSettingsSchema>;

export interface EmailChannelIssue {
  path: readonly (string | number)[];
  message: string;
}

/**
 * R38: an external-mail channel's account must own the return address. `accountUserName` is the user name of
 * the Simple Authentication account the channel's profile resolves to; addresses compare without letter case.
 */
export function checkExternalMailbox(
  settings: Pick<EmailChannelSettings, 'external' | 'from'>,
  accountUserName: string,
): EmailChannelIssue | undefined {
  if (!settings.external) return undefined;
  if (accountUserName.trim().toLowerCase() === settings.from.toLowerCase()) return undefined;
  return {
    path: ['from'],
    message: `must be the mailbox of the channel's account (${accountUserName.trim()}) on an external-mail channel`,
  };
}
