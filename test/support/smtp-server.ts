// A real SMTP server on loopback for the notification tests and the notify benchmark: it records every mail (when
// it arrived, who sent it, its envelope, headers and body) and every sign-in, and can be made to refuse
// connections, put recipients off or refuse them, and hold its replies.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Mail {
  /** `performance.now()` when the whole message was in: it counts as received even if the sender dies before the reply. */
  at: number;
  /** The user the session signed in as; undefined when it did not. */
  user: string | undefined;
  /** Whether the session was under TLS. */
  secure: boolean;
  mailFrom: string;
  rcptTo: string[];
  /** Header names in lower case, folded lines joined. */
  headers: Map<string, string>;
  /** Every header's name in lower case as it came, in order, repeats included. */
  headerNames: string[];
  body: string;
}

export interface SmtpOptions {
  /**
   * User name → password: mail only from sessions signed in as one of them. Without it, mail from anyone, and
   * AUTH is not offered.
   */
  users?: Record<string, string>;
  /** The port to listen on (to come back on the same one after a stop); a free one by default. */
  port?: number;
  /** How long the reply to each message is held once the whole message is in. */
  replyDelayMs?: number;
  /** More of smtp-server's options: a TLS key and certificate, SMTPUTF8. */
  server?: SMTPServerOptions;
}

export interface Smtp {
  port: number;
  mails: Mail[];
  /** Every AUTH user name offered, accepted or not. */
  logins: string[];
  /** Connections the server saw, refused ones included. */
  connections: number;
  /** While true the server greets with 421 and hangs up, as a server that is down for mail. */
  down: boolean;
  /** Recipients answered 450 (greylisted: try again later) to RCPT TO. */
  deferred: Set<string>;
  /** Recipients answered 550 (no such mailbox: a permanent failure) to RCPT TO. */
  refused: Set<string>;
  close(): Promise<void>;
}

function parseMail(raw: string): Pick<Mail, 'headers' | 'headerNames' | 'body'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  const headerNames: string[] = [];
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    headerNames.push(name);
    headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, headerNames, body: raw.slice(split + 4) };
}

const refusal = (message: string, responseCode: number) =>
  Object.assign(new Error(message), { responseCode });

/** Starts an SMTP server on 127.0.0.1 (see `SmtpOptions`). */
export async function startSmtp(options: SmtpOptions = {}): Promise<Smtp> {
  const { users, replyDelayMs = 0 } = options;
  const state: Smtp = {
    port: 0,
    mails: [],
    logins: [],
    connections: 0,
    down: false,
    deferred: new Set(),
    refused: new Set(),
    close: async () => undefined,
  };
  const server = new SMTPServer({
    // Senders keep pooled connections open: stopping does not wait for them to hang up.
    closeTimeout: 200,
    logger: false,
    disableReverseLookup: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: users === undefined,
    ...(users === undefined ? { disabledCommands: ['AUTH', 'STARTTLS'] } : { allowInsecureAuth: true }),
    ...options.server,
    onConnect(_session, cb) {
      state.connections++;
      if (state.down) cb(refusal('Service not available', 421));
      else cb();
    },
    onAuth(auth, _session, cb) {
      const name = auth.username ?? '';
      state.logins.push(name);
      if (users?.[name] !== undefined && users[name] === auth.password) cb(null, { user: name });
      else cb(refusal('Authentication credentials invalid', 535));
    },
    onRcptTo(address, _session, cb) {
      if (state.refused.has(address.address)) cb(refusal('5.1.1 Mailbox unavailable', 550));
      else if (state.deferred.has(address.address)) cb(refusal('Greylisted, try again later', 450));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.mails.push({
          at: performance.now(),
          user: session.user as string | undefined,
          secure: session.secure,
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          ...parseMail(Buffer.concat(chunks).toString('utf8')),
        });
        if (replyDelayMs > 0) setTimeout(() => cb(), replyDelayMs);
        else cb();
      });
    },
  });
  // A connection that ends badly (a sender killed, a pool reset) is the sender's business, not the server's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
