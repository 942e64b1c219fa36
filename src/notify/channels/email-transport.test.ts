// Proves the e-mail transport against real SMTP servers on loopback: who signs in, what the mail carries, which
// failures are final, R39 failover across servers with its retry interval, and STARTTLS / implicit TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Mail,
  type Smtp,
  type SmtpOptions,
  startSmtp as startRecordingSmtp,
} from '../../../test/support/smtp-server.js';
import {
  type EmailChannelSettingsInput,
  emailChannelSettingsSchema,
} from '../../contract/notify-channels.js';
import { createEmailTransport as openEmailTransport } from './email-transport.js';
import type { ChannelCredential, OutgoingMessage } from './transport.js';

const PASSWORD = 'N0tif-s3cret!pw';
const HOST = '127.0.0.1';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A real SMTP server on a random loopback port, stopped after the test; with `users` it refuses mail from anyone not signed in. */
async function startSmtp(options: SmtpOptions = {}): Promise<Smtp> {
  const smtp = await startRecordingSmtp(options);
  cleanups.push(smtp.close);
  return smtp;
}

/** A TCP port nothing listens on: connecting is refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, HOST, resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Accepts connections and never says a word, counting them. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<import('node:net').Socket>();
  const s: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => s.listen(0, HOST, resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });
  return { port: (s.address() as { port: number }).port, connections: () => connections };
}

/** A transport whose pooled connections close after the test (before its servers stop). */
function createEmailTransport(...args: Parameters<typeof openEmailTransport>) {
  const transport = openEmailTransport(...args);
  cleanups.unshift(() => transport.close());
  return transport;
}

const settings = (input: Partial<EmailChannelSettingsInput> & Pick<EmailChannelSettingsInput, 'servers'>) =>
  emailChannelSettingsSchema.parse({ from: 'scom@contoso.com', ...input });

const server = (port: number, tls: 'none' | 'starttls' | 'implicit' = 'none') => ({ host: HOST, port, tls });

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  subject: 'Alert: Disk full Resolution state: New',
  body: 'Alert: Disk full\nSource: db01.contoso.com',
  bodyIsHtml: false,
  fields: {},
  deliveryId: 'dlv_01HZX',
  ...over,
});

const windowsAccount: ChannelCredential = {
  type: 'windows',
  publicFields: { userName: 'svc-notify', domain: 'CONTOSO' },
  secret: { password: PASSWORD },
};

const to = (address: string) => ({ address, role: 'to' as const });

describe('e-mail transport: S26 internal mail', () => {
  it('sends one mail from the return address to the address, signed in as the Windows account', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toEqual({ ok: true, detail: expect.stringContaining(`${HOST}:${smtp.port}`) });
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.user).toBe('CONTOSO\\svc-notify');
    expect(mail?.mailFrom).toBe('scom@contoso.com');
    expect(mail?.rcptTo).toEqual(['ops@contoso.com']);
    expect(mail?.headers.get('from')).toBe('scom@contoso.com');
    expect(mail?.headers.get('to')).toBe('ops@contoso.com');
    expect(mail?.headers.get('subject')).toBe('Alert: Disk full Resolution state: New');
    expect(mail?.headers.get('message-id')).toBe('<dlv_01HZX@steward>');
    expect(mail?.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(mail?.headers.has('cc')).toBe(false);
    expect(mail?.body).toContain('Source: db01.contoso.com');
  });

  it('puts a Cc address in the Cc header and a Bcc address in the envelope only', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const cc = await transport.send(message(), { address: 'lead@contoso.com', role: 'cc' }, windowsAccount);
    const bcc = await transport.send(
      message(),
      { address: 'audit@contoso.com', role: 'bcc' },
      windowsAccount,
    );

    expect([cc.ok, bcc.ok]).toEqual([true, true]);
    const [ccMail, bccMail] = smtp.mails;
    expect(ccMail?.rcptTo).toEqual(['lead@contoso.com']);
    expect(ccMail?.headers.get('cc')).toBe('lead@contoso.com');
    expect(ccMail?.headers.has('to')).toBe(false);
    expect(bccMail?.rcptTo).toEqual(['audit@contoso.com']);
    expect([...(bccMail?.headers.values() ?? [])].join('\n')).not.toContain('audit@contoso.com');
    expect(bccMail?.headers.has('bcc')).toBe(false);
  });

  it('refuses a wrong password for good, with a reason that holds no part of the password', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': 'the-right-one' } });
    const backup = await startSmtp({ users: { 'CONTOSO\\svc-notify': 'the-right-one' } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port), server(backup.port)] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toMatchObject({ ok: false, retryable: false });
    if (result.ok) return;
    expect(result.reason).toContain('535');
    expect(result.reason).toContain('user name or password');
    for (const leak of [
      PASSWORD,
      Buffer.from(PASSWORD).toString('base64'),
      Buffer.from(`\0CONTOSO\\svc-notify\0${PASSWORD}`).toString('base64'),
    ]) {
      expect(result.reason).not.toContain(leak);
    }
    expect(smtp.mails).toHaveLength(0);
    expect(backup.connections).toBe(0);
  });

  it('refuses for good, without sending anonymously, through a server that offers no sign-in', async () => {
    const logins: string[] = [];
    const smtp = await startSmtp({
      server: {
        authOptional: true,
        disabledCommands: ['AUTH', 'STARTTLS'],
        onAuth(auth, _session, cb) {
          logins.push(auth.username ?? '');
          cb(null, { user: auth.username });
        },
      },
    });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toEqual({
      ok: false,
      retryable: false,
      reason: expect.stringContaining(`${HOST}:${smtp.port} offers no sign-in`),
    });
    expect(result.ok ? '' : result.reason).not.toContain(PASSWORD);
    expect(smtp.connections).toBe(1);
    expect(smtp.mails).toHaveLength(0);
    expect(logins).toEqual([]);
  });

  it('does not send the password to a server whose AUTH lists no mechanism it can use', async () => {
    const smtp = await startSmtp({
      users: { 'CONTOSO\\svc-notify': PASSWORD },
      server: { authMethods: ['XOAUTH2'] },
    });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringContaining('offers no sign-in'),
    });
    expect(smtp.mails).toHaveLength(0);
  });

  it('signs in with LOGIN when the server offers only LOGIN', async () => {
    const smtp = await startSmtp({
      users: { 'CONTOSO\\svc-notify': PASSWORD },
      server: { authMethods: ['LOGIN'] },
    });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result.ok).toBe(true);
    expect(smtp.mails[0]?.user).toBe('CONTOSO\\svc-notify');
  });

  it('refuses a recipient the server rejects for good, without trying the backup', async () => {
    const smtp = await startSmtp({
      users: { 'CONTOSO\\svc-notify': PASSWORD },
    });
    smtp.refused.add('gone@contoso.com');
    const backup = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port), server(backup.port)] }));

    const result = await transport.send(message(), to('gone@contoso.com'), windowsAccount);

    expect(result).toEqual({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/refused the recipient \(550 .*RCPT TO\)/),
    });
    expect(backup.connections).toBe(0);
  });

  it('refuses to send for an account channel given no credential, or one without a password', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const none = await transport.send(message(), to('ops@contoso.com'), undefined);
    const token = await transport.send(message(), to('ops@contoso.com'), {
      type: 'token',
      publicFields: {},
      secret: { token: 'abc' },
    });

    expect(none).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringContaining('none was given'),
    });
    expect(token).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringContaining('type token'),
    });
    expect(smtp.connections).toBe(0);
  });

  it('refuses for good, before connecting, to sign in over plain SMTP to a server that is not loopback', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    // Settings the schema would refuse: the second server is plain SMTP on the network.
    const stored = {
      ...settings({ servers: [server(smtp.port)] }),
      servers: [server(smtp.port), { host: '192.0.2.25', port: 25, tls: 'none' as const }],
    };
    const transport = createEmailTransport(stored);

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toEqual({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/^192\.0\.2\.25:25 is plain SMTP \(tls none\).*starttls or implicit$/),
    });
    expect(smtp.connections).toBe(0);
  });

  it('refuses for good, without connecting, an account that is not a Windows logon (R37)', async () => {
    const smtp = await startSmtp({ users: { 'alerts@contoso.com': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));
    const simple: ChannelCredential = {
      type: 'simple',
      publicFields: { userName: 'alerts@contoso.com' },
      secret: { password: PASSWORD },
    };

    const result = await transport.send(message(), to('ops@contoso.com'), simple);

    expect(result).toEqual({
      ok: false,
      retryable: false,
      reason:
        'the e-mail channel signs in with an account of type windows or action, and the account of its profile is of type simple',
    });
    expect(smtp.connections).toBe(0);
  });

  it('refuses an address that would add recipients to the header', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));

    const result = await transport.send(message(), to('ops@contoso.com, all@contoso.com'), windowsAccount);

    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(smtp.connections).toBe(0);
  });
});

describe('e-mail transport: pooled connections', () => {
  it('signs in once for many mails, and opens a new connection when the account changes', async () => {
    const smtp = await startSmtp({
      users: { 'CONTOSO\\svc-notify': PASSWORD, 'CONTOSO\\svc-new': 'An0ther-s3cret' },
    });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));
    for (let i = 0; i < 4; i++) {
      expect((await transport.send(message(), to(`ops${i}@contoso.com`), windowsAccount)).ok).toBe(true);
    }
    expect(smtp.mails).toHaveLength(4);
    expect(smtp.connections).toBe(1);

    const changed: ChannelCredential = {
      type: 'windows',
      publicFields: { userName: 'svc-new', domain: 'CONTOSO' },
      secret: { password: 'An0ther-s3cret' },
    };
    expect((await transport.send(message(), to('ops@contoso.com'), changed)).ok).toBe(true);
    expect(smtp.connections).toBe(2);
    expect(smtp.mails.at(-1)?.user).toBe('CONTOSO\\svc-new');
    // The old account's pool is closed: a password changed back signs in again.
    expect((await transport.send(message(), to('ops@contoso.com'), windowsAccount)).ok).toBe(true);
    expect(smtp.connections).toBe(3);
    expect(smtp.mails.at(-1)?.user).toBe('CONTOSO\\svc-notify');
  });

  it('connects afresh after a failure instead of reusing the pool', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }));
    expect((await transport.send(message(), to('ops@contoso.com'), windowsAccount)).ok).toBe(true);
    const wrong: ChannelCredential = { ...windowsAccount, secret: { password: 'wrong' } };
    expect((await transport.send(message(), to('ops@contoso.com'), wrong)).ok).toBe(false);
    const before = smtp.connections;
    expect((await transport.send(message(), to('ops@contoso.com'), windowsAccount)).ok).toBe(true);
    expect(smtp.connections).toBe(before + 1);
  });
});

describe('e-mail transport: S27 external mail and anonymous channels', () => {
  it('signs in with the Simple Authentication account whose mailbox is the return address', async () => {
    const smtp = await startSmtp({ users: { 'alerts@outlook.example': PASSWORD } });
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], from: 'alerts@outlook.example', external: true }),
    );
    const simple: ChannelCredential = {
      type: 'simple',
      publicFields: { userName: 'alerts@outlook.example' },
      secret: { password: PASSWORD },
    };

    const result = await transport.send(message(), to('ops@contoso.com'), simple);

    expect(result.ok).toBe(true);
    expect(smtp.mails[0]).toMatchObject({
      user: 'alerts@outlook.example',
      mailFrom: 'alerts@outlook.example',
    });
  });

  it('refuses for good, without connecting, an external channel handed an account that is not Simple Authentication', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], from: 'alerts@outlook.example', external: true }),
    );

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toEqual({
      ok: false,
      retryable: false,
      reason:
        'the external-mail channel signs in with an account of type simple, and the account of its profile is of type windows',
    });
    expect(smtp.connections).toBe(0);
  });

  it('an anonymous channel sends without signing in, even when handed a credential', async () => {
    const smtp = await startSmtp();
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous' }),
    );

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result.ok).toBe(true);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.user).toBeUndefined();
  });

  it('an anonymous channel to a server that requires sign-in fails for good', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous' }),
    );

    const result = await transport.send(message(), to('ops@contoso.com'), undefined);

    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('530') });
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('e-mail transport: message content', () => {
  it('carries Reply-To, the extra headers and the importance headers', async () => {
    const smtp = await startSmtp();
    const transport = createEmailTransport(
      settings({
        servers: [server(smtp.port)],
        authentication: 'anonymous',
        replyTo: 'noc@contoso.com',
        headers: { 'X-Steward-Channel': 'ops mail', 'X-Ticket-Queue': 'NOC' },
        importance: 'high',
      }),
    );

    await transport.send(message(), to('ops@contoso.com'), undefined);

    const headers = smtp.mails[0]?.headers;
    expect(headers?.get('reply-to')).toBe('noc@contoso.com');
    expect(headers?.get('x-steward-channel')).toBe('ops mail');
    expect(headers?.get('x-ticket-queue')).toBe('NOC');
    expect(headers?.get('importance')).toBe('High');
    expect(headers?.get('x-priority')).toBe('1 (Highest)');
  });

  it('carries no importance headers when the channel names no importance, and Low when it says low', async () => {
    const smtp = await startSmtp();
    const plain = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous' }),
    );
    const low = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous', importance: 'low' }),
    );

    await plain.send(message(), to('ops@contoso.com'), undefined);
    await low.send(message(), to('ops@contoso.com'), undefined);

    expect(smtp.mails[0]?.headers.has('importance')).toBe(false);
    expect(smtp.mails[0]?.headers.has('x-priority')).toBe(false);
    expect(smtp.mails[1]?.headers.get('importance')).toBe('Low');
    expect(smtp.mails[1]?.headers.get('x-priority')).toBe('5 (Lowest)');
  });

  it('sends an HTML body as text/html, and keeps a line break in the subject out of the headers', async () => {
    const smtp = await startSmtp();
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous', bodyIsHtml: true }),
    );

    await transport.send(
      message({
        subject: 'Alert: Disk full\r\nBcc: attacker@evil.example',
        body: '<p>Alert: <b>Disk full</b></p>',
        bodyIsHtml: true,
        deliveryId: 'dlv 7/x',
      }),
      to('ops@contoso.com'),
      undefined,
    );

    const mail = smtp.mails[0];
    expect(mail?.headers.get('content-type')).toMatch(/^text\/html/);
    expect(mail?.body).toContain('<b>Disk full</b>');
    expect(mail?.headers.has('bcc')).toBe(false);
    expect(mail?.rcptTo).toEqual(['ops@contoso.com']);
    expect(mail?.headers.get('subject')).toBe('Alert: Disk full Bcc: attacker@evil.example');
    expect(mail?.headers.get('message-id')).toBe('<dlv_7/x@steward>');
  });
});

/** The body's bytes, its content transfer encoding undone. */
function bodyBytes(mail: Mail): Buffer {
  const cte = mail.headers.get('content-transfer-encoding')?.toLowerCase();
  if (cte === 'base64') return Buffer.from(mail.body.replace(/\s+/g, ''), 'base64');
  if (cte === 'quoted-printable') {
    const soft = mail.body.replace(/=\r\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(soft.charCodeAt(i));
    }
    return Buffer.from(bytes);
  }
  return Buffer.from(mail.body, 'latin1');
}

describe('e-mail transport: encoding, subject encoding and recipients per mail', () => {
  const accented = 'Disque plein sur SRV-É01 – 99 % ✓';

  it('writes the body in ISO-8859-1 when the channel says so, a character the set lacks as "?"', async () => {
    const smtp = await startSmtp();
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous', encoding: 'iso-8859-1' }),
    );
    const r = await transport.send(message({ body: accented }), to('ops@contoso.com'), undefined);
    expect(r).toMatchObject({ ok: true });
    const mail = smtp.mails[0]!;
    expect(mail.headers.get('content-type')).toBe('text/plain; charset=iso-8859-1');
    expect(bodyBytes(mail).toString('latin1').trimEnd()).toBe('Disque plein sur SRV-É01 ? 99 % ?');
    // É is one byte in ISO-8859-1 (0xC9), two in UTF-8.
    expect(bodyBytes(mail).includes(Buffer.from([0xc9]))).toBe(true);
  });

  it('writes US-ASCII with every other character as "?", and UTF-8 by default', async () => {
    const smtp = await startSmtp();
    const ascii = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous', encoding: 'us-ascii' }),
    );
    await ascii.send(
      message({ subject: `Alert: ${accented}`, body: accented }),
      to('a@contoso.com'),
      undefined,
    );
    const plain = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous' }),
    );
    await plain.send(message({ body: accented }), to('b@contoso.com'), undefined);
    const [a, b] = smtp.mails;
    expect(a!.headers.get('content-type')).toBe('text/plain; charset=us-ascii');
    expect(bodyBytes(a!).toString('latin1').trimEnd()).toBe('Disque plein sur SRV-?01 ? 99 % ?');
    expect(a!.headers.get('subject')).toBe('Alert: Disque plein sur SRV-?01 ? 99 % ?');
    expect(b!.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(bodyBytes(b!).toString('utf8').trimEnd()).toBe(accented);
  });

  it('MIME-encodes a subject with accents unless noSubjectEncoding says to send it as it is', async () => {
    const smtp = await startSmtp({ server: { hideSMTPUTF8: false } });
    const subject = 'Alerte : disque plein sur SRV-É01';
    for (const noSubjectEncoding of [false, true]) {
      const transport = createEmailTransport(
        settings({ servers: [server(smtp.port)], authentication: 'anonymous', noSubjectEncoding }),
      );
      expect(await transport.send(message({ subject }), to('ops@contoso.com'), undefined)).toMatchObject({
        ok: true,
      });
    }
    const [encoded, raw] = smtp.mails;
    expect(encoded!.headers.get('subject')).toMatch(/^=\?UTF-8\?[QB]\?/i);
    expect(raw!.headers.get('subject')).toBe(subject);
    expect(raw!.headers.get('subject')).not.toContain('=?');
  });

  it('takes maxPrimaryRecipientsPerMail of 1 and more, refuses 0, and puts one To recipient in each mail', async () => {
    expect(() =>
      settings({ servers: [server(25)], authentication: 'anonymous', maxPrimaryRecipientsPerMail: 0 }),
    ).toThrow(/maxPrimaryRecipientsPerMail/);
    const smtp = await startSmtp();
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous', maxPrimaryRecipientsPerMail: 1 }),
    );
    await transport.send(message(), to('one@contoso.com'), undefined);
    await transport.send(message(), to('two@contoso.com'), undefined);
    expect(smtp.mails.map((m) => [m.rcptTo, m.headers.get('to')])).toEqual([
      [['one@contoso.com'], 'one@contoso.com'],
      [['two@contoso.com'], 'two@contoso.com'],
    ]);
  });
});

describe('e-mail transport: R39 failover', () => {
  it('S29: with a single server down, every attempt goes to it and fails retryably', async () => {
    const smtp = await startSmtp({ users: { 'CONTOSO\\svc-notify': PASSWORD } });
    smtp.down = true;
    let clock = 0;
    const transport = createEmailTransport(settings({ servers: [server(smtp.port)] }), { now: () => clock });

    const results = [];
    for (const at of [0, 301_000, 10_000_000]) {
      clock = at;
      results.push(await transport.send(message(), to('ops@contoso.com'), windowsAccount));
    }

    expect(smtp.connections).toBe(3);
    for (const r of results) {
      expect(r).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('421') });
    }
    expect(transport.failover()).toEqual({ current: 0, since: null });
  });

  it('S29: a refused connection is a retryable failure', async () => {
    const port = await closedPort();
    const transport = createEmailTransport(settings({ servers: [server(port)] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toEqual({
      ok: false,
      retryable: true,
      reason: `no SMTP server took the mail: ${HOST}:${port} refused the connection`,
    });
  });

  it('moves to the backup when the primary is down, stays there until the retry interval, then returns', async () => {
    const users = { 'CONTOSO\\svc-notify': PASSWORD };
    const primary = await startSmtp({ users });
    const backup = await startSmtp({ users });
    primary.down = true;
    let clock = 1_000_000;
    const transport = createEmailTransport(
      settings({ servers: [server(primary.port), server(backup.port)], primaryRetryIntervalSeconds: 300 }),
      { now: () => clock },
    );
    const send = () => transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect((await send()).ok).toBe(true);
    expect([primary.connections, backup.mails.length]).toEqual([1, 1]);
    expect(transport.failover()).toEqual({ current: 1, since: 1_000_000 });

    clock += 299_000;
    expect((await send()).ok).toBe(true);
    expect([primary.connections, backup.mails.length]).toEqual([1, 2]);

    // The interval has passed but the primary is still down: it is tried, the backup delivers, and the
    // interval starts again from this try.
    clock += 1_000;
    expect((await send()).ok).toBe(true);
    expect([primary.connections, backup.mails.length]).toEqual([2, 3]);
    expect(transport.failover()).toEqual({ current: 1, since: 1_300_000 });

    // The next messages go straight to the backup: one try of the primary per interval, not one per message.
    clock += 1_000;
    expect((await send()).ok).toBe(true);
    clock += 298_000;
    expect((await send()).ok).toBe(true);
    expect([primary.connections, backup.mails.length]).toEqual([2, 5]);

    primary.down = false;
    clock += 1_000;
    expect((await send()).ok).toBe(true);
    expect([primary.mails.length, backup.mails.length]).toEqual([1, 5]);
    expect(transport.failover()).toEqual({ current: 0, since: null });
  });

  it('while the primary is being tried again, other messages go to the backup instead of waiting on it', async () => {
    const silent = await silentServer();
    const backup = await startSmtp();
    let clock = 1_000_000;
    const transport = createEmailTransport(
      settings({
        servers: [server(silent.port), server(backup.port)],
        authentication: 'anonymous',
        primaryRetryIntervalSeconds: 60,
      }),
      { now: () => clock, connectionTimeoutMs: 400 },
    );
    const send = () => transport.send(message(), to('ops@contoso.com'), undefined);
    expect((await send()).ok).toBe(true);
    expect(silent.connections()).toBe(1);

    clock += 60_000;
    const retrying = send();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const meanwhile = await send();

    expect(meanwhile.ok).toBe(true);
    expect(backup.mails).toHaveLength(2);
    expect((await retrying).ok).toBe(true);
    expect(silent.connections()).toBe(2);
    expect(backup.mails).toHaveLength(3);
  });

  it('moves on from a server that accepts the connection and never greets', async () => {
    const silent = await silentServer();
    const backup = await startSmtp();
    const transport = createEmailTransport(
      settings({ servers: [server(silent.port), server(backup.port)], authentication: 'anonymous' }),
      { connectionTimeoutMs: 300 },
    );

    const result = await transport.send(message(), to('ops@contoso.com'), undefined);

    expect(result.ok).toBe(true);
    expect(silent.connections()).toBe(1);
    expect(backup.mails).toHaveLength(1);
  });

  it('fails retryably, naming each server, when every server is down', async () => {
    const a = await closedPort();
    const b = await startSmtp();
    b.down = true;
    const transport = createEmailTransport(
      settings({ servers: [server(a), server(b.port)], authentication: 'anonymous' }),
    );

    const result = await transport.send(message(), to('ops@contoso.com'), undefined);

    expect(result).toMatchObject({ ok: false, retryable: true });
    if (result.ok) return;
    expect(result.reason).toContain(`${HOST}:${a} refused the connection`);
    expect(result.reason).toContain(`${HOST}:${b.port} could not take the mail now (421`);
    expect(transport.failover()).toEqual({ current: 0, since: null });
  });

  it('stops at once when the caller cancels', async () => {
    const smtp = await startSmtp();
    const transport = createEmailTransport(
      settings({ servers: [server(smtp.port)], authentication: 'anonymous' }),
    );

    const result = await transport.send(message(), to('ops@contoso.com'), undefined, AbortSignal.abort());

    expect(result).toEqual({ ok: false, retryable: true, reason: 'sending was cancelled' });
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('e-mail transport: TLS', () => {
  let dir: string;
  let key: string;
  let cert: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'steward-smtp-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=steward test SMTP',
        '-addext',
        `subjectAltName=IP:${HOST},DNS:localhost`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const users = { 'CONTOSO\\svc-notify': PASSWORD };

  it('upgrades with STARTTLS before signing in, trusting the given authority', async () => {
    const smtp = await startSmtp({ users, server: { key, cert, allowInsecureAuth: false } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port, 'starttls')] }), {
      trustedCa: cert,
    });

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result.ok).toBe(true);
    expect(smtp.mails[0]).toMatchObject({ secure: true, user: 'CONTOSO\\svc-notify' });
  });

  it('speaks TLS from the first byte on an implicit-TLS server', async () => {
    const smtp = await startSmtp({ users, server: { key, cert, secure: true } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port, 'implicit')] }), {
      trustedCa: [cert],
    });

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result.ok).toBe(true);
    expect(smtp.mails[0]?.secure).toBe(true);
  });

  it('refuses a certificate it does not trust, retryably and without signing in', async () => {
    const smtp = await startSmtp({ users, server: { key, cert, allowInsecureAuth: false } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port, 'starttls')] }));

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('TLS') });
    expect(smtp.mails).toHaveLength(0);
  });

  it('accepts any certificate when told not to check them', async () => {
    const smtp = await startSmtp({ users, server: { key, cert, allowInsecureAuth: false } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port, 'starttls')] }), {
      tlsRejectUnauthorized: false,
    });

    expect((await transport.send(message(), to('ops@contoso.com'), windowsAccount)).ok).toBe(true);
  });

  it('with starttls required, refuses a server that does not offer it rather than send in the clear', async () => {
    const smtp = await startSmtp({ users, server: { disabledCommands: ['STARTTLS'] } });
    const transport = createEmailTransport(settings({ servers: [server(smtp.port, 'starttls')] }), {
      trustedCa: cert,
    });

    const result = await transport.send(message(), to('ops@contoso.com'), windowsAccount);

    expect(result).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('STARTTLS') });
    expect(smtp.connections).toBe(1);
    expect(smtp.mails).toHaveLength(0);
  });
});
