// Proves the SMS channel against real gateway servers on loopback: the form POST and Basic sign-in with the
// Run As account, R39 failover to the backups and back to the primary after the interval, and the failures.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  answer,
  closedPort,
  type RecordingServer,
  startRecordingServer,
} from '../../../test/support/recording-http-server.js';
import {
  type SmsChannelSettingsInput,
  smsChannelSettingsSchema,
} from '../../contract/notify-channel-kinds.js';
import { textProblem } from '../../contract/text.js';
import { capSmsText, createSmsTransport, smsNumber, toGsmAlphabet } from './sms-transport.js';
import type { ChannelCredential, DeliveryTarget, OutgoingMessage } from './transport.js';

const message = (body = 'Alert: Disk full Resolution state: New'): OutgoingMessage => ({
  subject: '',
  body,
  bodyIsHtml: false,
  fields: {},
  deliveryId: 'dlv_1',
});
const to = (address: string): DeliveryTarget => ({ address, role: 'to' });
const account: ChannelCredential = {
  type: 'basic',
  publicFields: { userName: 'AC123' },
  secret: { password: 'gw-pa55word' },
};
const form = (body = '') => Object.fromEntries(new URLSearchParams(body));

describe('SMS channel settings', () => {
  it('takes one to five gateways and defaults the retry interval to 5 minutes and the GSM alphabet', () => {
    const s = smsChannelSettingsSchema.parse({
      gateways: ['https://sms.contoso.com/send'],
      from: '+15550100',
    });
    expect(s).toMatchObject({ primaryRetryIntervalSeconds: 300, encoding: 'default' });
    expect(smsChannelSettingsSchema.safeParse({ gateways: [], from: '+15550100' }).success).toBe(false);
    const six = Array.from({ length: 6 }, (_, i) => `https://sms${i}.contoso.com/send`);
    expect(smsChannelSettingsSchema.safeParse({ gateways: six, from: '+15550100' }).success).toBe(false);
  });

  it('refuses plain-http gateways other than localhost, and credentials written into a gateway URL', () => {
    const parse = (url: string) => smsChannelSettingsSchema.safeParse({ gateways: [url], from: 'Contoso' });
    expect(parse('http://sms.contoso.com/send').success).toBe(false);
    expect(parse('https://user:pw@sms.contoso.com/send').success).toBe(false);
    expect(parse('http://127.0.0.1:8080/send').success).toBe(true);
  });

  it('reads the number of sms: addresses, separators removed', () => {
    expect(smsNumber('sms:+1 (555) 123-4567')).toBe('+15551234567');
    expect(smsNumber('SMS:0612345678')).toBe('0612345678');
    expect(smsNumber('+15551234567')).toBeUndefined();
    expect(smsNumber('sms:call-me')).toBeUndefined();
  });

  it('keeps GSM characters and replaces the others with "?" in the default encoding', () => {
    expect(toGsmAlphabet('Température de la tête: 95 °C [Ä€] ✓')).toBe(
      'Température de la t?te: 95 ?C [Ä€] ?',
    );
    // Decomposed accents are composed first: e + U+0301 is é, which GSM has.
    expect(toGsmAlphabet('Temp\u0065\u0301rature')).toBe('Température');
  });

  it('caps a text at 1,600 characters with a visible marker, never cutting a surrogate pair', () => {
    expect(capSmsText('a'.repeat(1600))).toBe('a'.repeat(1600));
    const cut = capSmsText('a'.repeat(1597) + '😀'.repeat(10));
    expect([...cut]).toHaveLength(1600);
    expect(cut.endsWith(' […]')).toBe(true);
    expect(cut).toBe(`${'a'.repeat(1596)} […]`);
    const emoji = capSmsText('😀'.repeat(2000));
    expect([...emoji]).toHaveLength(1600);
    expect(textProblem(emoji)).toBeUndefined();
  });
});

describe('SMS transport', () => {
  let primary: RecordingServer;
  let backup: RecordingServer;
  let clock: number;
  beforeEach(async () => {
    primary = await startRecordingServer(answer(201, { sid: 'SM0001' }));
    backup = await startRecordingServer(answer(201, { sid: 'SM0002' }));
    clock = 1_000_000;
  });
  afterEach(async () => {
    await primary.close();
    await backup.close();
  });

  const transport = (extra: Partial<SmsChannelSettingsInput> = {}) =>
    createSmsTransport(
      smsChannelSettingsSchema.parse({
        gateways: [`${primary.url}/2010-04-01/Messages`, `${backup.url}/send`],
        from: '+15550100',
        ...extra,
      }),
      { now: () => clock, timeoutMs: 2000 },
    );

  it('posts To, From and Body as a form with HTTP Basic sign-in by the account', async () => {
    const r = await transport().send(message(), to('sms:+1 555 123 4567'), account);
    expect(r).toEqual({
      ok: true,
      detail: `sent through 127.0.0.1:${primary.port} (primary), message SM0001`,
    });
    const [req] = primary.requests;
    expect(req?.url).toBe('/2010-04-01/Messages');
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('AC123:gw-pa55word').toString('base64')}`);
    expect(form(req?.body)).toEqual({
      To: '+15551234567',
      From: '+15550100',
      Body: 'Alert: Disk full Resolution state: New',
    });
    expect(backup.requests).toHaveLength(0);
  });

  it('sends a text of more than 1,600 characters cut to 1,600, ending in the marker', async () => {
    const long = `Alert: ${'disk full on every volume of WEB01 '.repeat(60)}`;
    expect(long.length).toBeGreaterThan(1600);
    const r = await transport().send(message(long), to('sms:+15551234567'), account);
    expect(r.ok).toBe(true);
    const body = form(primary.requests[0]?.body).Body ?? '';
    expect([...body]).toHaveLength(1600);
    expect(body).toBe(`${long.slice(0, 1596)} […]`);
  });

  it('sends the delivery id as idempotency key, the same on the retry after a timeout', async () => {
    primary.handle(() => undefined);
    const sms = createSmsTransport(
      smsChannelSettingsSchema.parse({ gateways: [`${primary.url}/send`], from: '+15550100' }),
      { timeoutMs: 200 },
    );
    const delivery = { ...message(), deliveryId: 'dlv_01J9 retry' };

    const first = await sms.send(delivery, to('sms:+15551234567'), account);
    primary.handle(answer(201, { sid: 'SM0004' }));
    const again = await sms.send(delivery, to('sms:+15551234567'), account);

    expect([first.ok, again.ok]).toEqual([false, true]);
    expect(primary.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'dlv_01J9_retry',
      'dlv_01J9_retry',
    ]);
    expect(primary.requests.map((r) => r.headers['i-twilio-idempotency-token'])).toEqual([
      'dlv_01J9_retry',
      'dlv_01J9_retry',
    ]);
  });

  it('sends the text as written in the unicode encoding and in the GSM alphabet by default', async () => {
    await transport({ encoding: 'unicode' }).send(message('Disque plein ✓'), to('sms:+15551234567'), account);
    await transport().send(message('Disque plein ✓'), to('sms:+15551234567'), account);
    expect(primary.requests.map((r) => form(r.body).Body)).toEqual(['Disque plein ✓', 'Disque plein ?']);
  });

  it('fails over to the backup, stays there, and tries the primary first again once the interval has passed (R39)', async () => {
    const sms = transport({ primaryRetryIntervalSeconds: 300 });
    primary.handle(answer(503, 'down'));
    const first = await sms.send(message(), to('sms:+15551234567'), account);
    expect(first).toMatchObject({ ok: true, detail: expect.stringContaining('(backup 1)') });
    expect([primary.requests.length, backup.requests.length]).toEqual([1, 1]);
    expect(backup.requests[0]?.headers.authorization).toBe(primary.requests[0]?.headers.authorization);

    // Inside the interval the backup goes first, even though the primary is back.
    primary.handle(answer(201, { sid: 'SM0003' }));
    clock += 299_000;
    await sms.send(message(), to('sms:+15551234567'), account);
    expect([primary.requests.length, backup.requests.length]).toEqual([1, 2]);

    clock += 1_000;
    const back = await sms.send(message(), to('sms:+15551234567'), account);
    expect(back).toMatchObject({ ok: true, detail: expect.stringContaining('(primary)') });
    expect([primary.requests.length, backup.requests.length]).toEqual([2, 2]);

    // Back on the primary: the next message goes there directly.
    await sms.send(message(), to('sms:+15551234567'), account);
    expect([primary.requests.length, backup.requests.length]).toEqual([3, 2]);
  });

  it('tries a primary that stays down once per interval, not before every message (R39)', async () => {
    const sms = transport({ primaryRetryIntervalSeconds: 300 });
    primary.handle(answer(503, 'down'));
    await sms.send(message(), to('sms:+15551234567'), account);
    clock += 300_000;
    await sms.send(message(), to('sms:+15551234567'), account);
    expect([primary.requests.length, backup.requests.length]).toEqual([2, 2]);

    // The failed try started the interval again: the next messages go to the backup alone.
    clock += 1_000;
    await sms.send(message(), to('sms:+15551234567'), account);
    clock += 298_000;
    await sms.send(message(), to('sms:+15551234567'), account);
    expect([primary.requests.length, backup.requests.length]).toEqual([2, 4]);

    clock += 1_000;
    primary.handle(answer(201, { sid: 'SM0009' }));
    const back = await sms.send(message(), to('sms:+15551234567'), account);
    expect(back).toMatchObject({ ok: true, detail: expect.stringContaining('(primary)') });
  });

  it('reports a retryable failure naming every gateway when all are down, and keeps no secret in it', async () => {
    const refused = await closedPort();
    const sms = createSmsTransport(
      smsChannelSettingsSchema.parse({
        gateways: [`http://127.0.0.1:${refused}/send`, `${backup.url}/send`],
        from: '+15550100',
      }),
      { timeoutMs: 2000 },
    );
    backup.handle(answer(500, { message: 'queue for AC123:gw-pa55word is full' }));
    const r = await sms.send(message(), to('sms:+15551234567'), account);
    expect(r).toMatchObject({ ok: false, retryable: true });
    const reason = r.ok ? '' : r.reason;
    expect(reason).toContain(`could not reach 127.0.0.1:${refused}: ECONNREFUSED`);
    expect(reason).toContain(`127.0.0.1:${backup.port} answered HTTP 500`);
    expect(reason).not.toContain('gw-pa55word');
  });

  it('reports a final failure when every gateway refuses the message', async () => {
    primary.handle(answer(400, { message: "The 'To' number is not a valid phone number." }));
    backup.handle(answer(401, { message: 'Authenticate' }));
    const r = await transport().send(message(), to('sms:+15551234567'), account);
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.ok ? '' : r.reason).toContain("The 'To' number is not a valid phone number.");
  });

  it('fails for good, without a request, when the address is not sms:<number>', async () => {
    const r = await transport().send(message(), to('ops@contoso.com'), account);
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(primary.requests.length + backup.requests.length).toBe(0);
  });

  it('posts without sign-in when the channel has no account, and refuses an account that is no user name and password', async () => {
    expect((await transport().send(message(), to('sms:+15551234567'), undefined)).ok).toBe(true);
    expect(primary.requests[0]?.headers.authorization).toBeUndefined();
    const noPassword: ChannelCredential = { type: 'token', publicFields: {}, secret: { token: 't' } };
    expect(await transport().send(message(), to('sms:+15551234567'), noPassword)).toEqual({
      ok: false,
      retryable: false,
      reason:
        'the SMS channel signs in with an account of type basic, simple, windows or action, and the account of its profile is of type token',
    });
    expect(primary.requests).toHaveLength(1);
  });

  it('signs in with the Windows account of the Notification Account profile, its user name without the domain', async () => {
    const windows: ChannelCredential = {
      type: 'windows',
      publicFields: { userName: 'svc-notify', domain: 'CONTOSO' },
      secret: { password: 'gw-pa55word' },
    };
    expect((await transport().send(message(), to('sms:+15551234567'), windows)).ok).toBe(true);
    expect(primary.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('svc-notify:gw-pa55word').toString('base64')}`,
    );
  });
});
