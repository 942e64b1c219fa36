// The e-mail (SMTP) transport: one mail per address through the channel's servers, failing over per R39, and
// telling a refused account or address (final) from a server that could not be reached (worth another try).
import { createHash } from 'node:crypto';
import {
  createTransport,
  type NodemailerError,
  type SendMailOptions,
  type SMTPPoolOptions,
  type SMTPTransportOptions,
  type Transporter,
} from 'nodemailer';
import type { AccountType } from '../../contract/accounts.js';
import {
  type EmailChannelSettings,
  type EmailEncoding,
  type EmailServer,
  emailPasswordInClear,
  emailServerTls,
} from '../../contract/notify-channels.js';
import { afterAttempt, initialFailover, planAttempts } from './failover.js';
import {
  accountTypeProblem,
  type ChannelCredential,
  type DeliveryTarget,
  type FailoverState,
  type OutgoingMessage,
  type Transport,
} from './transport.js';

/** Connections open at once to one server for one account. */
const POOL_CONNECTIONS = 5;

export interface EmailTransportOptions {
  /** Milliseconds since the epoch; the failover clock. Default `Date.now`. */
  now?: () => number;
  /** How long to wait for the connection and for the server's greeting, in ms; an idle socket may wait
   * twice as long. Default 30 000. */
  connectionTimeoutMs?: number;
  /** false accepts any server certificate. Default true. */
  tlsRejectUnauthorized?: boolean;
  /** PEM certificates of authorities trusted for the servers, on top of the system's. */
  trustedCa?: string | readonly string[];
}

/** What a channel's transport exposes beyond `Transport`: the failover position, for status and tests. */
export interface EmailTransport extends Transport {
  failover(): FailoverState;
  /** Closes the pooled connections; the next mail opens them again. */
  close(): Promise<void>;
}

type Attempt =
  | { kind: 'sent'; detail: string }
  /** The server answered and refused for good: another server would refuse the same. */
  | { kind: 'refused'; reason: string }
  /** The server could not take the message now: try the next one. */
  | { kind: 'unavailable'; reason: string; recipientOnly?: boolean }
  | { kind: 'aborted' };

const importanceHeaders = {
  high: { Importance: 'High', 'X-Priority': '1 (Highest)', 'X-MSMail-Priority': 'High' },
  normal: { Importance: 'Normal', 'X-Priority': '3 (Normal)', 'X-MSMail-Priority': 'Normal' },
  low: { Importance: 'Low', 'X-Priority': '5 (Lowest)', 'X-MSMail-Priority': 'Low' },
} as const;

/** R37: internal mail signs in with a Windows logon (a Windows or Action account), external mail with a Simple
 * Authentication account. */
export const emailAccountTypes = (
  settings: Pick<EmailChannelSettings, 'external'>,
): readonly AccountType[] => (settings.external ? ['simple'] : ['windows', 'action']);

/** The transport of one e-mail channel. Keep one per channel: it remembers which server is in use (R39). */
export function createEmailTransport(
  settings: EmailChannelSettings,
  opts: EmailTransportOptions = {},
): EmailTransport {
  const now = opts.now ?? Date.now;
  const timeout = opts.connectionTimeoutMs ?? 30_000;
  const retryMs = settings.primaryRetryIntervalSeconds * 1000;
  let state = initialFailover();
  // The settings schema refuses this already; the transport holds to it whoever built its settings.
  const inClear =
    settings.authentication === 'account' ? settings.servers.find(emailPasswordInClear) : undefined;

  const connection = (server: EmailServer): SMTPTransportOptions => {
    const tls = emailServerTls(server, settings.authentication === 'account');
    return {
      host: server.host,
      port: server.port,
      secure: tls === 'implicit',
      requireTLS: tls === 'starttls',
      ignoreTLS: tls === 'none',
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
      logger: false,
      debug: false,
      tls: {
        rejectUnauthorized: opts.tlsRejectUnauthorized ?? true,
        ...(opts.trustedCa === undefined ? {} : { ca: [...[opts.trustedCa].flat()] }),
      },
    };
  };

  const mail = (message: OutgoingMessage, target: DeliveryTarget): SendMailOptions => {
    const subject = inCharset(message.subject.replace(/[\r\n]+/g, ' '), settings.encoding);
    const body = inCharset(message.body, settings.encoding);
    return {
      from: settings.from,
      ...(target.role === 'bcc' ? {} : { [target.role]: target.address }),
      envelope: { from: settings.from, to: [target.address] },
      ...(settings.replyTo === undefined ? {} : { replyTo: settings.replyTo }),
      // A prepared header goes out as written: SCOM's "no subject encoding".
      ...(settings.noSubjectEncoding ? {} : { subject }),
      messageId: messageIdOf(message.deliveryId),
      ...bodyPart(body, message.bodyIsHtml, settings.encoding),
      headers: {
        ...settings.headers,
        ...(settings.importance === undefined ? {} : importanceHeaders[settings.importance]),
        ...(settings.noSubjectEncoding ? { Subject: { prepared: true, value: subject } } : {}),
        ...(message.subscriptions?.length
          ? { 'X-Steward-Subscriptions': subscriptionsHeader(message.subscriptions) }
          : {}),
      },
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  };

  /**
   * Connections kept open per server and account: signed in once, used for many mails. A changed account
   * (its user name or password) opens a new pool and closes the old one; a failure drops the pool, so the
   * next attempt connects afresh; an idle connection closes after the socket timeout.
   */
  const pools = new Map<string, { account: string; transporter: Transporter }>();
  const transporterFor = (server: EmailServer, auth: { user: string; pass: string } | undefined) => {
    const where = `${server.host}:${server.port}`;
    const account = auth ? createHash('sha256').update(`${auth.user}\0${auth.pass}`).digest('base64') : '';
    const have = pools.get(where);
    if (have?.account === account) return have.transporter;
    have?.transporter.close();
    const transporter = createTransport({
      ...connection(server),
      pool: true,
      maxConnections: POOL_CONNECTIONS,
      // forceAuth: by itself nodemailer signs in only when the server advertises AUTH, and through a server
      // that does not it would send anonymously and report the mail sent.
      ...(auth ? { auth, forceAuth: true, customAuth: { PLAIN: plainSignIn } } : {}),
    } as SMTPPoolOptions);
    pools.set(where, { account, transporter });
    return transporter;
  };
  /** Closes this pool, unless another has replaced it already. */
  const dropPool = (server: EmailServer, transporter: Transporter) => {
    const where = `${server.host}:${server.port}`;
    if (pools.get(where)?.transporter !== transporter) return;
    transporter.close();
    pools.delete(where);
  };

  async function attempt(
    server: EmailServer,
    data: SendMailOptions,
    auth: { user: string; pass: string } | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const where = `${server.host}:${server.port}`;
    const transporter = transporterFor(server, auth);
    try {
      const info = await transporter.sendMail({ ...data, ...(signal ? { signal } : {}) });
      const code = /^\d{3}/.exec(info.response ?? '')?.[0];
      return { kind: 'sent', detail: `accepted by ${where}${code ? ` (${code})` : ''} as ${info.messageId}` };
    } catch (error) {
      // A server that answered for this message alone (a recipient or the message refused or put off) keeps
      // its connections: the other messages going out through them are not cut off. Any other failure drops
      // the pool, so the next attempt connects afresh.
      if (!answeredForMessage(error as NodemailerError)) dropPool(server, transporter);
      if (signal?.aborted) return { kind: 'aborted' };
      return classify(error as NodemailerError, where);
    }
  }

  return {
    failover: () => ({ ...state }),
    async close() {
      for (const { transporter } of pools.values()) transporter.close();
      pools.clear();
    },

    async send(message, target, credential, signal) {
      if (settings.authentication === 'account') {
        const channel = settings.external ? 'external-mail channel' : 'e-mail channel';
        const problem = accountTypeProblem(channel, emailAccountTypes(settings), credential);
        if (problem) return { ok: false, retryable: false, reason: problem };
      }
      const auth = settings.authentication === 'account' ? signIn(credential) : undefined;
      if (typeof auth === 'string') return { ok: false, retryable: false, reason: auth };
      if (inClear) {
        return {
          ok: false,
          retryable: false,
          reason: `${inClear.host}:${inClear.port} is plain SMTP (tls none) and not the loopback interface: the channel does not send the account's password there in clear text; set tls to starttls or implicit`,
        };
      }
      if (!/^[^\s<>,;]+@[^\s<>,;]+$/.test(target.address)) {
        return { ok: false, retryable: false, reason: 'the address is not an e-mail address' };
      }
      const data = mail(message, target);
      const failures: string[] = [];
      // Every server answered and put off only this recipient (a 4xx to RCPT TO, greylisting): the channel works.
      let recipientOnly = true;
      let primaryFailed = false;
      const plan = planAttempts(state, settings.servers.length, now(), retryMs);
      state = plan.state;
      for (const index of plan.order) {
        if (signal?.aborted) break;
        const server = settings.servers[index] as EmailServer;
        const outcome = await attempt(server, data, auth, signal);
        if (outcome.kind === 'aborted') break;
        if (outcome.kind === 'unavailable') {
          failures.push(outcome.reason);
          recipientOnly &&= outcome.recipientOnly === true;
          primaryFailed ||= index === 0;
          continue;
        }
        // The server answered: it is the one in use, whether it took the message or refused it for good.
        state = afterAttempt(state, index, now(), primaryFailed);
        if (outcome.kind === 'sent') return { ok: true, detail: outcome.detail };
        return { ok: false, retryable: false, reason: outcome.reason };
      }
      if (signal?.aborted) return { ok: false, retryable: true, reason: 'sending was cancelled' };
      state = afterAttempt(state, undefined, now(), primaryFailed);
      const reason = `no SMTP server took the mail: ${failures.join('; ')}`;
      return recipientOnly && failures.length
        ? { ok: false, retryable: true, scope: 'recipient', reason }
        : { ok: false, retryable: true, reason };
    },
  };
}

/** The text with every character the set cannot write replaced by "?". */
export function inCharset(text: string, encoding: EmailEncoding): string {
  if (encoding === 'utf-8') return text;
  const last = encoding === 'us-ascii' ? 0x7f : 0xff;
  let out = '';
  for (const ch of text) out += (ch.codePointAt(0) ?? 0) <= last ? ch : '?';
  return out;
}

/** The body as the only part of the mail, in the channel's character set. */
function bodyPart(body: string, isHtml: boolean, encoding: EmailEncoding): SendMailOptions {
  if (encoding === 'utf-8') return isHtml ? { html: body } : { text: body };
  // nodemailer writes text and html in UTF-8; a part of its own carries another character set.
  return {
    alternatives: [
      {
        contentType: `${isHtml ? 'text/html' : 'text/plain'}; charset=${encoding}`,
        content: Buffer.from(body, 'latin1'),
      },
    ],
  };
}

/**
 * The value of X-Steward-Subscriptions: each name as a quoted string (`"Ops", "DBA \"night\""`), comma-separated.
 * Control characters (CR and LF above all: they would start a header of the name's choosing) become spaces;
 * a value with other than ASCII is sent as RFC 2047 encoded words by the mail library.
 */
export const subscriptionsHeader = (names: readonly string[]): string =>
  names.map((n) => `"${n.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/["\\]/g, '\\$&')}"`).join(', ');

/** `<deliveryId@steward>`, with any character a Message-ID may not hold replaced, so it stays stable. */
export const messageIdOf = (deliveryId: string): string =>
  `<${deliveryId.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '_')}@steward>`;

/**
 * The SMTP login of a Run As account: its user name and password. Windows and Action accounts with a domain
 * sign in as `DOMAIN\user` (what Exchange accepts for AUTH LOGIN/PLAIN) unless the user name already names
 * its domain (`DOMAIN\user` or `user@domain`). A string is the reason no login could be made.
 */
export function signIn(credential: ChannelCredential | undefined): { user: string; pass: string } | string {
  if (credential === undefined) return 'the channel signs in with an account, and none was given';
  const userName = credential.publicFields.userName;
  const password = credential.secret.password;
  if (typeof userName !== 'string' || userName === '' || typeof password !== 'string' || password === '') {
    return `an account of type ${credential.type} has no user name and password to sign in to an SMTP server`;
  }
  const domain = credential.publicFields.domain;
  const qualified =
    (credential.type === 'windows' || credential.type === 'action') &&
    typeof domain === 'string' &&
    domain !== '' &&
    !/[\\@]/.test(userName);
  return { user: qualified ? `${domain}\\${userName}` : userName, pass: password };
}

/** The server listed no sign-in mechanism Steward speaks: nothing of the credentials was sent. */
class NoSignInOffered extends Error {}

type SignInContext = Parameters<NonNullable<SMTPTransportOptions['customAuth']>[string]>[0];

/**
 * SASL PLAIN as nodemailer does it, but only to a server that offers it. nodemailer falls back to PLAIN when
 * the server lists no mechanism it knows, or (with `forceAuth`) no AUTH at all, and would send the user name
 * and password to a server that never offered to take them; here that ends the attempt instead.
 */
async function plainSignIn(ctx: SignInContext): Promise<void> {
  if (!ctx.authMethods.includes('PLAIN')) throw new NoSignInOffered('the server offers no sign-in');
  const { user, pass } = ctx.auth.credentials;
  const login = Buffer.from(`\0${user}\0${pass}`, 'utf8').toString('base64');
  const reply = await ctx.sendCommand(`AUTH PLAIN ${login}`);
  // nodemailer adds the reply (and its code) to this error; the reply never quotes the command.
  if (reply.status < 200 || reply.status >= 300) throw new Error('Invalid login');
}

const commandNames =
  /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH(?: [A-Z0-9-]+)?|MAIL FROM|RCPT TO|DATA|RSET|QUIT)$/i;
const messageCommands = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/** The server answered a command of this message (MAIL FROM, RCPT TO, DATA): its connection still works. */
const answeredForMessage = (err: NodemailerError) =>
  err.responseCode !== undefined &&
  typeof err.command === 'string' &&
  commandNames.test(err.command) &&
  messageCommands.has(err.command.toUpperCase());

/**
 * Why a send through `where` failed, and whether another server could do better. The reason is built from the
 * error's code, reply code, enhanced status and command only: an error's own text may quote what was sent.
 */
function classify(err: NodemailerError, where: string): Attempt {
  const command =
    typeof err.command === 'string' && commandNames.test(err.command) ? err.command.toUpperCase() : '';
  const reply = err.responseCode;
  const status =
    typeof err.response === 'string' ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(err.response) : null;
  const said = reply ? ` (${reply}${status ? ` ${status[1]}` : ''}${command ? ` to ${command}` : ''})` : '';
  const permanent = reply !== undefined && reply >= 500 && reply !== 503;
  const original = err.originalCode ?? err.code;

  if (err instanceof NoSignInOffered) {
    return {
      kind: 'refused',
      reason: `${where} offers no sign-in (no AUTH PLAIN, LOGIN or CRAM-MD5 after EHLO), and the channel signs in with an account: the mail was not sent without signing in`,
    };
  }
  if (command.startsWith('AUTH') || err.code === 'EAUTH' || err.code === 'ENOAUTH') {
    if (reply !== undefined && reply >= 400 && reply < 500) {
      return { kind: 'unavailable', reason: `${where} could not check the account now${said}` };
    }
    return { kind: 'refused', reason: `${where} refused the account's user name or password${said}` };
  }
  if (permanent && messageCommands.has(command)) {
    const what =
      reply === 530 || status?.[1] === '5.7.0' || status?.[1] === '5.7.1'
        ? 'refused the sender (does the channel need to sign in?)'
        : command === 'RCPT TO'
          ? 'refused the recipient'
          : command === 'MAIL FROM'
            ? 'refused the sender'
            : 'refused the message';
    return { kind: 'refused', reason: `${where} ${what}${said}` };
  }
  if (err.code === 'EENVELOPE' && reply === undefined) {
    return { kind: 'refused', reason: 'the sender or recipient address cannot be used in an SMTP envelope' };
  }
  if (command === 'STARTTLS') {
    return { kind: 'unavailable', reason: `${where} did not upgrade to TLS with STARTTLS${said}` };
  }
  if (reply !== undefined)
    return {
      kind: 'unavailable',
      reason: `${where} could not take the mail now${said}`,
      ...(command === 'RCPT TO' && reply >= 400 && reply < 500 ? { recipientOnly: true } : {}),
    };
  switch (original) {
    case 'ECONNREFUSED':
      return { kind: 'unavailable', reason: `${where} refused the connection` };
    case 'ETIMEDOUT':
      return { kind: 'unavailable', reason: `${where} did not answer in time` };
    case 'EDNS':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'unavailable', reason: `${where}: the host name could not be resolved` };
    default:
      if (err.code === 'ETLS' || /CERT|SELF_SIGNED|TLS|SSL/.test(original ?? '')) {
        return {
          kind: 'unavailable',
          reason: `${where}: the TLS connection failed (certificate or protocol)`,
        };
      }
      return {
        kind: 'unavailable',
        reason: `${where}: the connection failed${original && /^E[A-Z]+$/.test(original) ? ` (${original})` : ''}`,
      };
  }
}
