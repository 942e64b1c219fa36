// A real SMTP server on loopback for notification tests: it records every mail and every sign-in, and can be
// made to refuse connections or put recipients off.
import { SMTPServer } from 'smtp-server';

export interface Mail {
  /** The user the session signed in as; undefined when it did not. */
  user: string | undefined;
  mailFrom: string;
  rcptTo: string[];
  headers: Map<string, string>;
  body: string;
}

export interface Smtp {
  port: number;
  mails: Mail[];
  /** Every AUTH user name offered, accepted or not. */
  logins: string[];
  connections: number;
  /** While true the server greets with 421 and hangs up. */
  down: boolean;
  /** Recipients answered 450 (greylisted: try again later) to RCPT TO. */
  deferred: Set<string>;
  /** Recipients answered 550 (no such mailbox: a permanent failure) to RCPT TO. */
  refused: Set<string>;
  close(): Promise<void>;
}

function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

/**
 * An SMTP server that takes mail only from sessions signed in with one of `users` (user name → password), or
 * from anyone when there are none.
 */
export async function startSmtp(users: Record<string, string>): Promise<Smtp> {
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
    // With no users it takes mail from anyone.
    authOptional: Object.keys(users).length === 0,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onConnect(_session, cb) {
      state.connections++;
      if (state.down) cb(Object.assign(new Error('Service not available'), { responseCode: 421 }));
      else cb();
    },
    onRcptTo(address, _session, cb) {
      if (state.refused.has(address.address))
        cb(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
      else if (state.deferred.has(address.address))
        cb(Object.assign(new Error('Greylisted, try again later'), { responseCode: 450 }));
      else cb();
    },
    onAuth(auth, _session, cb) {
      const name = auth.username ?? '';
      state.logins.push(name);
      if (users[name] !== undefined && users[name] === auth.password) cb(null, { user: name });
      else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.mails.push({
          user: session.user as string | undefined,
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          ...parseMail(Buffer.concat(chunks).toString('utf8')),
        });
        cb();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as { port: number }).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
