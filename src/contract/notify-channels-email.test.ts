// Proves the e-mail channel settings schema: defaults, TLS by port, R38 external-mail rules, header injection
// refused, and the mailbox check of an external channel's account.
import { describe, expect, it } from 'vitest';
import {
  checkExternalMailbox,
  defaultEmailTls,
  emailChannelSettingsSchema,
  emailServerTls,
} from './notify-channels.js';

const base = { servers: [{ host: 'smtp.contoso.com' }], from: 'scom@contoso.com' };

const pathsOf = (input: unknown) =>
  (emailChannelSettingsSchema.safeParse(input).error?.issues ?? []).map((i) => i.path.join('.'));

describe('emailChannelSettingsSchema', () => {
  it('fills in the defaults: port 25, five-minute primary retry, plain text, signed in, internal', () => {
    expect(emailChannelSettingsSchema.parse(base)).toEqual({
      servers: [{ host: 'smtp.contoso.com', port: 25 }],
      from: 'scom@contoso.com',
      primaryRetryIntervalSeconds: 300,
      bodyIsHtml: false,
      authentication: 'account',
      external: false,
      encoding: 'utf-8',
      noSubjectEncoding: false,
    });
  });

  it('uses STARTTLS on 587, implicit TLS on 465 and none elsewhere unless the server says otherwise', () => {
    const parsed = emailChannelSettingsSchema.parse({
      ...base,
      authentication: 'anonymous',
      servers: [
        { host: 'a.contoso.com', port: 587 },
        { host: 'b.contoso.com', port: 465 },
        { host: 'c.contoso.com' },
        { host: '10.0.0.5', port: 2525, tls: 'starttls' },
        { host: 'e.contoso.com', port: 587, tls: 'none' },
      ],
    });
    expect(parsed.servers.map((s) => emailServerTls(s))).toEqual([
      'starttls',
      'implicit',
      'none',
      'starttls',
      'none',
    ]);
    expect([25, 465, 587, 2525].map((p) => defaultEmailTls(p))).toEqual([
      'none',
      'implicit',
      'starttls',
      'none',
    ]);
    // A channel that signs in never sends its password in the clear unless told to (and then only to loopback).
    expect(parsed.servers.map((s) => emailServerTls(s, true))).toEqual([
      'starttls',
      'implicit',
      'starttls',
      'starttls',
      'none',
    ]);
  });

  it('needs one to ten servers, each a host name or IP address, none listed twice', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ host: `s${i}.contoso.com` }));
    expect(pathsOf({ ...base, servers: [] })).toEqual(['servers']);
    expect(pathsOf({ ...base, servers: many })).toEqual(['servers']);
    expect(pathsOf({ ...base, servers: [{ host: 'smtp contoso' }] })).toEqual(['servers.0.host']);
    expect(pathsOf({ ...base, servers: [{ host: 'fd00::25' }] })).toEqual([]);
    expect(pathsOf({ ...base, servers: [{ host: 'x.contoso.com', port: 0 }] })).toEqual(['servers.0.port']);
    expect(
      pathsOf({ ...base, servers: [{ host: 'SMTP.contoso.com' }, { host: 'smtp.contoso.com', port: 25 }] }),
    ).toEqual(['servers.1']);
  });

  it('refuses a return address or reply-to that is not an e-mail address', () => {
    expect(pathsOf({ ...base, from: 'scom' })).toEqual(['from']);
    expect(pathsOf({ ...base, replyTo: 'noc@contoso.com\r\nBcc: x@evil.example' })).toEqual(['replyTo']);
  });

  it('keeps the primary retry interval between 10 seconds and a day', () => {
    expect(pathsOf({ ...base, primaryRetryIntervalSeconds: 9 })).toEqual(['primaryRetryIntervalSeconds']);
    expect(pathsOf({ ...base, primaryRetryIntervalSeconds: 86_401 })).toEqual([
      'primaryRetryIntervalSeconds',
    ]);
    expect(pathsOf({ ...base, primaryRetryIntervalSeconds: 10 })).toEqual([]);
  });

  it('accepts extra headers with plain names and single-line values', () => {
    const parsed = emailChannelSettingsSchema.parse({
      ...base,
      headers: { 'X-Queue': 'NOC', 'X-Env': 'prod\tEU' },
    });
    expect(parsed.headers).toEqual({ 'X-Queue': 'NOC', 'X-Env': 'prod\tEU' });
  });

  it('refuses header injection: line breaks in values, odd names, and headers the channel sets itself', () => {
    expect(pathsOf({ ...base, headers: { 'X-Queue': 'NOC\r\nBcc: x@evil.example' } })).toEqual([
      'headers.X-Queue',
    ]);
    expect(pathsOf({ ...base, headers: { 'X-Queue': 'NOC\nX-Other: 1' } })).toEqual(['headers.X-Queue']);
    for (const name of [
      'Bcc',
      'subject',
      'FROM',
      'To',
      'Reply-To',
      'Message-ID',
      'Importance',
      'Content-Type',
    ]) {
      expect(pathsOf({ ...base, headers: { [name]: 'x' } }), name).toEqual([`headers.${name}`]);
    }
    expect(pathsOf({ ...base, headers: { 'X-A: b': 'x' } })).toEqual(['headers.X-A: b']);
    expect(pathsOf({ ...base, headers: { 'X-Queue': 'a', 'x-queue': 'b' } })).toEqual(['headers']);
  });

  it('refuses unknown template tokens in the subject and unknown fields', () => {
    expect(pathsOf({ ...base, subject: 'Alert $Data/Context/DataItem/NoSuchField$' })).toEqual(['subject']);
    expect(pathsOf({ ...base, charset: 'utf-8' })).toEqual(['']);
  });

  it('refuses plain SMTP for a channel that signs in, naming the server, unless the server is loopback', () => {
    const plain = (host: string) => ({ host, port: 25, tls: 'none' });
    const signedIn = (...hosts: string[]) => ({ ...base, servers: hosts.map(plain) });
    expect(pathsOf(signedIn('smtp.contoso.com'))).toEqual(['servers.0.tls']);
    expect(pathsOf(signedIn('127.0.0.1', '10.0.0.5', '::2'))).toEqual(['servers.1.tls', 'servers.2.tls']);
    expect(pathsOf(signedIn('localhost.contoso.com', '128.0.0.1'))).toEqual([
      'servers.0.tls',
      'servers.1.tls',
    ]);
    expect(
      emailChannelSettingsSchema.safeParse(signedIn('smtp.contoso.com')).error?.issues[0]?.message,
    ).toMatch(/must be starttls or implicit .* clear text/);
    expect(pathsOf(signedIn('127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', 'LocalHost'))).toEqual([]);
    // TLS on the others; plain SMTP without sign-in anywhere.
    expect(
      pathsOf({
        ...base,
        servers: [
          plain('127.0.0.1'),
          { host: 'a.contoso.com', tls: 'starttls' },
          { host: 'b.contoso.com', port: 465 },
        ],
      }),
    ).toEqual([]);
    expect(pathsOf({ ...signedIn('smtp.contoso.com'), authentication: 'anonymous' })).toEqual([]);
  });

  it('R38: an external-mail channel has exactly one server and signs in with its account', () => {
    const two = [{ host: 'smtp.outlook.example', port: 587 }, { host: 'backup.outlook.example' }];
    expect(pathsOf({ ...base, external: true, servers: two })).toEqual(['servers']);
    expect(pathsOf({ ...base, external: true, authentication: 'anonymous' })).toEqual(['authentication']);
    expect(pathsOf({ ...base, servers: two })).toEqual([]);
    expect(pathsOf({ ...base, external: true })).toEqual([]);
  });
});

describe('checkExternalMailbox (R38, S27)', () => {
  const external = emailChannelSettingsSchema.parse({
    ...base,
    from: 'alerts@outlook.example',
    external: true,
  });

  it('accepts the account whose mailbox is the return address, in any letter case', () => {
    expect(checkExternalMailbox(external, 'alerts@outlook.example')).toBeUndefined();
    expect(checkExternalMailbox(external, 'Alerts@Outlook.example')).toBeUndefined();
  });

  it('refuses an account with another mailbox, on the return address', () => {
    expect(checkExternalMailbox(external, 'other@outlook.example')).toEqual({
      path: ['from'],
      message: expect.stringContaining('other@outlook.example'),
    });
  });

  it('does not apply to internal channels', () => {
    expect(
      checkExternalMailbox(emailChannelSettingsSchema.parse(base), 'CONTOSO\\svc-notify'),
    ).toBeUndefined();
  });
});
