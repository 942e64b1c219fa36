// Proves the IM channel: its settings (port defaults by protocol and the sip: return address of S37) and its
// transport against a real chat-webhook server on loopback: payload, bearer sign-in with a token account only,
// failures and timeouts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  answer,
  type RecordingServer,
  startRecordingServer,
} from '../../../test/support/recording-http-server.js';
import { type ImChannelSettingsInput, imChannelSettingsSchema } from '../../contract/notify-channel-kinds.js';
import { createImTransport, imWebhookUrl } from './im-transport.js';
import type { ChannelCredential, DeliveryTarget, OutgoingMessage } from './transport.js';

const message = (body = 'Alert: Disk full Resolution state: New'): OutgoingMessage => ({
  subject: '',
  body,
  bodyIsHtml: false,
  fields: {},
  deliveryId: 'dlv_1',
});
const to = (address: string): DeliveryTarget => ({ address, role: 'to' });
const tokenAccount: ChannelCredential = { type: 'token', publicFields: {}, secret: { token: 'tok-9f2b7c' } };
const basicAccount: ChannelCredential = {
  type: 'basic',
  publicFields: { userName: 'steward' },
  secret: { password: 'pa55-w0rd' },
};

describe('IM channel settings', () => {
  const base = { server: 'chat.contoso.com', returnAddress: 'sip:scom@contoso.com' };

  it('defaults the port to 5061 for tls and 5060 for tcp, the default protocol (S37, Q13)', () => {
    expect(imChannelSettingsSchema.parse({ ...base, protocol: 'tls' }).port).toBe(5061);
    expect(imChannelSettingsSchema.parse({ ...base, protocol: 'tcp' }).port).toBe(5060);
    const plain = imChannelSettingsSchema.parse(base);
    expect(plain).toMatchObject({
      protocol: 'tcp',
      port: 5060,
      path: '/hooks/steward',
      authentication: 'anonymous',
      contentType: 'text/plain',
    });
    expect(imChannelSettingsSchema.parse({ ...base, protocol: 'tls', port: 8443 }).port).toBe(8443);
  });

  it('refuses a return address without sip: (S37)', () => {
    const r = imChannelSettingsSchema.safeParse({ ...base, returnAddress: 'scom@contoso.com' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['returnAddress']);
    expect(
      imChannelSettingsSchema.safeParse({ ...base, returnAddress: 'SIP:scom@contoso.com' }).success,
    ).toBe(true);
  });

  it('refuses unknown fields, bad host names and ports out of range', () => {
    expect(imChannelSettingsSchema.safeParse({ ...base, auth: 'ntlm' }).success).toBe(false);
    expect(imChannelSettingsSchema.safeParse({ ...base, server: 'http://chat' }).success).toBe(false);
    expect(imChannelSettingsSchema.safeParse({ ...base, port: 70_000 }).success).toBe(false);
    expect(imChannelSettingsSchema.safeParse({ ...base, path: 'hooks' }).success).toBe(false);
  });

  it('refuses account authentication over tcp, except to localhost, so a token never travels in clear text', () => {
    const r = imChannelSettingsSchema.safeParse({ ...base, authentication: 'account' });
    expect(r.error?.issues[0]).toMatchObject({ path: ['protocol'] });
    expect(
      imChannelSettingsSchema.safeParse({ ...base, authentication: 'account', protocol: 'tls' }).success,
    ).toBe(true);
    expect(
      imChannelSettingsSchema.safeParse({ ...base, server: '127.0.0.1', authentication: 'account' }).success,
    ).toBe(true);
  });

  it('builds the webhook URL from protocol, server, port and path', () => {
    expect(imWebhookUrl(imChannelSettingsSchema.parse({ ...base, protocol: 'tls' }))).toBe(
      'https://chat.contoso.com:5061/hooks/steward',
    );
    expect(imWebhookUrl(imChannelSettingsSchema.parse({ ...base, path: '/hooks/abc' }))).toBe(
      'http://chat.contoso.com:5060/hooks/abc',
    );
  });
});

describe('IM transport', () => {
  let chat: RecordingServer;
  beforeEach(async () => {
    chat = await startRecordingServer();
  });
  afterEach(() => chat.close());

  const settings = (extra: Partial<ImChannelSettingsInput> = {}) =>
    imChannelSettingsSchema.parse({
      server: '127.0.0.1',
      port: chat.port,
      returnAddress: 'sip:scom@contoso.com',
      ...extra,
    });

  it('posts {"text","username","channel"} as JSON to the webhook, without credentials when anonymous', async () => {
    const r = await createImTransport(settings()).send(message(), to('sip:ops@contoso.com'), undefined);
    expect(r).toEqual({ ok: true, detail: `posted to 127.0.0.1:${chat.port} for sip:ops@contoso.com` });
    expect(chat.requests).toHaveLength(1);
    const [req] = chat.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/hooks/steward');
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.headers['idempotency-key']).toBe('dlv_1');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      text: 'Alert: Disk full Resolution state: New',
      username: 'sip:scom@contoso.com',
      channel: 'sip:ops@contoso.com',
      mrkdwn: false,
    });
  });

  it('lets the chat server format the text when the content type is text/markdown', async () => {
    await createImTransport(settings({ contentType: 'text/markdown' })).send(
      message('*bold*'),
      to('sip:ops@contoso.com'),
      undefined,
    );
    expect(JSON.parse(chat.requests[0]?.body ?? '')).not.toHaveProperty('mrkdwn');
  });

  it("signs in with the token of a token account as 'Authorization: Bearer'", async () => {
    const transport = createImTransport(settings({ authentication: 'account' }));
    expect((await transport.send(message(), to('sip:ops@contoso.com'), tokenAccount)).ok).toBe(true);
    expect(chat.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-9f2b7c']);
  });

  it('refuses for good, without a request, an account of another type: a password is never sent as a token', async () => {
    const transport = createImTransport(settings({ authentication: 'account' }));

    const r = await transport.send(message(), to('sip:ops@contoso.com'), basicAccount);

    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason:
        'the IM channel signs in with an account of type token, and the account of its profile is of type basic',
    });
    expect(chat.requests).toHaveLength(0);
  });

  it('fails for good, without a request, when an account channel has no account', async () => {
    const r = await createImTransport(settings({ authentication: 'account' })).send(
      message(),
      to('sip:ops@contoso.com'),
      undefined,
    );
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(chat.requests).toHaveLength(0);
  });

  it('fails for good, without a request, when the subscriber address is not a sip: URI', async () => {
    const r = await createImTransport(settings()).send(message(), to('ops@contoso.com'), undefined);
    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason: 'the IM address "ops@contoso.com" is not a sip: URI',
    });
    expect(chat.requests).toHaveLength(0);
  });

  it('retries server errors, not refusals, and names the host but never the webhook key or the token', async () => {
    const transport = createImTransport(settings({ authentication: 'account', path: '/hooks/k3y-s3cret' }));
    chat.handle(answer(503, { message: 'maintenance' }));
    const busy = await transport.send(message(), to('sip:ops@contoso.com'), tokenAccount);
    expect(busy).toEqual({
      ok: false,
      retryable: true,
      reason: `127.0.0.1:${chat.port} answered HTTP 503: maintenance`,
    });
    chat.handle(answer(403, { message: 'token tok-9f2b7c is not allowed to post' }));
    const refused = await transport.send(message(), to('sip:ops@contoso.com'), tokenAccount);
    expect(refused).toMatchObject({ ok: false, retryable: false });
    const reason = refused.ok ? '' : refused.reason;
    expect(reason).toContain('HTTP 403');
    expect(reason).not.toContain('tok-9f2b7c');
    expect(reason).not.toContain('k3y-s3cret');
  });

  it('gives up on a server that does not answer within the timeout, as retryable', async () => {
    chat.handle(() => undefined);
    const started = Date.now();
    const r = await createImTransport(settings(), { timeoutMs: 200 }).send(
      message(),
      to('sip:ops@contoso.com'),
      undefined,
    );
    expect(r).toEqual({
      ok: false,
      retryable: true,
      reason: `127.0.0.1:${chat.port} did not answer within 0.2 s`,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops at once when the caller cancels', async () => {
    chat.handle(() => undefined);
    const controller = new AbortController();
    const pending = createImTransport(settings()).send(
      message(),
      to('sip:ops@contoso.com'),
      undefined,
      controller.signal,
    );
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({
      ok: false,
      retryable: true,
      reason: expect.stringMatching(/^cancelled/),
    });
  });
});
