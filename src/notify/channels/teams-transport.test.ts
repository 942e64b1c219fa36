// Proves the Teams channel against a real local stand-in for Entra ID and Microsoft Graph: the password grant of
// the Run As account, the cached token, the Adaptive Card posted to the channel of a "link to channel" (S38),
// MFA and other sign-in refusals reported, never dropped; and incoming-webhook delivery (DESIGN Q12).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  answer,
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from '../../../test/support/recording-http-server.js';
import {
  type TeamsChannelSettingsInput,
  teamsChannelSettingsSchema,
} from '../../contract/notify-channel-kinds.js';
import type { NotificationAlert } from '../../domain/notify/alert.js';
import { defaultFormats, renderMessage } from '../../domain/notify/templates.js';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  adaptiveCardOf,
  createTeamsTransport,
  parseTeamsChannelLink,
} from './teams-transport.js';
import type { ChannelCredential, DeliveryTarget, OutgoingMessage } from './transport.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b7c3b9e-1d2f-4e5a-9b8c-7d6e5f4a3b2c';
const TEAM = 'fbe2bf47-16c8-47cf-b4a5-4b9b187c508b';
const CHANNEL = '19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2';
const LINK = `https://teams.microsoft.com/l/channel/${encodeURIComponent(CHANNEL)}/Operations?groupId=${TEAM}&tenantId=${TENANT}`;
const PASSWORD = 'S1mple-Pa55!';
const account: ChannelCredential = {
  type: 'simple',
  publicFields: { userName: 'scom-notify@contoso.com' },
  secret: { password: PASSWORD },
};
const to = (address: string): DeliveryTarget => ({ address, role: 'to' });

const alert: NotificationAlert = {
  id: 'alrt_01',
  name: 'Disk full',
  description: 'Drive C: has "1%" free space',
  severity: 'critical',
  priority: 'high',
  resolutionState: 0,
  resolutionStateName: 'New',
  sourceObjectId: 'obj_c',
  sourceName: 'C:',
  sourceClassId: 'Windows.LogicalDisk',
  workflowId: 'Windows.FreeSpace.Monitor',
  workflowName: 'Free space',
  timeRaised: new Date('2024-01-15T12:00:00Z'),
  timeResolved: null,
  lastModified: new Date('2024-07-01T08:15:30Z'),
  owner: null,
  ticketId: null,
  repeatCount: 0,
  custom: {},
  category: null,
};
/** The default card of R41, rendered as the dispatcher renders it. */
const cardMessage = (): OutgoingMessage => ({
  subject: '',
  body: renderMessage('teams', {}, { alert }).body,
  bodyIsHtml: false,
  fields: {},
  deliveryId: 'dlv_01HZ',
});
const textMessage = (body: string, subject = ''): OutgoingMessage => ({
  subject,
  body,
  bodyIsHtml: false,
  fields: {},
  deliveryId: 'dlv_2',
});
const form = (body = '') => Object.fromEntries(new URLSearchParams(body));
const failureReason = (r: { ok: boolean; reason?: string }) => r.reason ?? '';

describe('Teams channel links', () => {
  it('reads team, channel, name and tenant from a "link to channel" URL', () => {
    expect(parseTeamsChannelLink(LINK)).toEqual({
      teamId: TEAM,
      channelId: CHANNEL,
      channelName: 'Operations',
      tenantId: TENANT,
    });
    const gcc = `https://dod.teams.microsoft.us/l/channel/${encodeURIComponent(CHANNEL)}/Ops%20%26%20Alerts?groupId=${TEAM}`;
    expect(parseTeamsChannelLink(gcc)).toEqual({
      teamId: TEAM,
      channelId: CHANNEL,
      channelName: 'Ops & Alerts',
    });
  });

  it('refuses what is not a channel link of Teams', () => {
    for (const link of [
      LINK.replace('https:', 'http:'),
      LINK.replace('teams.microsoft.com', 'teams.example.com'),
      LINK.replace(`groupId=${TEAM}&`, ''),
      LINK.replace(encodeURIComponent(CHANNEL), 'general'),
      `https://teams.microsoft.com/l/chat/${encodeURIComponent(CHANNEL)}/x?groupId=${TEAM}`,
      'ops@contoso.com',
    ]) {
      expect(parseTeamsChannelLink(link), link).toBeUndefined();
    }
  });
});

describe('Teams channel settings', () => {
  it('defaults the public-cloud sign-in and Graph URLs and accepts the default card of R41', () => {
    const s = teamsChannelSettingsSchema.parse({
      mode: 'graph',
      tenantId: TENANT,
      clientId: CLIENT,
      message: defaultFormats.teams.body,
    });
    expect(s).toMatchObject({
      authorizationUrl: 'https://login.microsoftonline.com',
      graphApiUrl: 'https://graph.microsoft.com',
    });
  });

  it('refuses a message that is not an Adaptive Card, a client id that is not a GUID and a missing mode', () => {
    const graph = { mode: 'graph', tenantId: 'contoso.onmicrosoft.com', clientId: CLIENT };
    expect(teamsChannelSettingsSchema.safeParse(graph).success).toBe(true);
    expect(teamsChannelSettingsSchema.safeParse({ ...graph, message: '{"type":"Message"}' }).success).toBe(
      false,
    );
    expect(teamsChannelSettingsSchema.safeParse({ ...graph, message: 'Alert!' }).success).toBe(false);
    expect(teamsChannelSettingsSchema.safeParse({ ...graph, clientId: 'steward' }).success).toBe(false);
    expect(
      teamsChannelSettingsSchema.safeParse({ ...graph, graphApiUrl: 'http://graph.contoso.com' }).success,
    ).toBe(false);
    expect(teamsChannelSettingsSchema.safeParse({ tenantId: TENANT, clientId: CLIENT }).success).toBe(false);
  });

  it('limits webhook mode to the Microsoft webhook hosts unless told otherwise', () => {
    const s = teamsChannelSettingsSchema.parse({ mode: 'webhook' });
    expect(s.mode === 'webhook' && s.webhookHosts).toContain('*.webhook.office.com');
  });
});

describe('Teams transport through Graph', () => {
  let ms: RecordingServer;
  let clock: number;
  let issued: number;
  let tokenReply: { status: number; body: unknown } | undefined;
  let graphReply:
    | ((req: RecordedRequest) => { status: number; body: unknown; headers?: Record<string, string> })
    | undefined;
  const tokenPath = `/${TENANT}/oauth2/v2.0/token`;
  const messagesPath = `/v1.0/teams/${TEAM}/channels/${encodeURIComponent(CHANNEL)}/messages`;
  const tokenRequests = () => ms.requests.filter((r) => r.url === tokenPath);
  const graphRequests = () => ms.requests.filter((r) => r.url === messagesPath);

  beforeEach(async () => {
    clock = 1_700_000_000_000;
    issued = 0;
    tokenReply = undefined;
    graphReply = undefined;
    ms = await startRecordingServer((req, res) => {
      if (req.url === tokenPath) {
        const reply = tokenReply ?? {
          status: 200,
          body: { token_type: 'Bearer', access_token: `at-${++issued}`, expires_in: 3599 },
        };
        return answer(reply.status, reply.body)(req, res);
      }
      if (req.url === messagesPath) {
        const reply = graphReply?.(req) ?? { status: 201, body: { id: '1616990032035' } };
        return answer(reply.status, reply.body, reply.headers)(req, res);
      }
      answer(404, { error: { code: 'NotFound', message: `no route ${req.url}` } })(req, res);
    });
  });
  afterEach(() => ms.close());

  const transport = (extra: Partial<TeamsChannelSettingsInput> = {}) =>
    createTeamsTransport(
      teamsChannelSettingsSchema.parse({
        mode: 'graph',
        tenantId: TENANT,
        clientId: CLIENT,
        authorizationUrl: ms.url,
        graphApiUrl: `${ms.url}/`,
        ...extra,
      }),
      { now: () => clock, timeoutMs: 2000 },
    );

  it('signs in with the password grant and posts the Adaptive Card to the channel of the link (S38)', async () => {
    const message = cardMessage();
    const r = await transport().send(message, to(LINK), account);
    expect(r).toEqual({
      ok: true,
      detail: 'posted to channel "Operations" as scom-notify@contoso.com, message 1616990032035',
    });

    const [token] = tokenRequests();
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(token?.body)).toEqual({
      grant_type: 'password',
      client_id: CLIENT,
      username: 'scom-notify@contoso.com',
      password: PASSWORD,
      scope: `${ms.url}/ChannelMessage.Send`,
    });

    const [post] = graphRequests();
    expect(post?.headers.authorization).toBe('Bearer at-1');
    expect(post?.headers['idempotency-key']).toBe('dlv_01HZ');
    expect(token?.headers['idempotency-key']).toBeUndefined();
    const sent = JSON.parse(post?.body ?? '');
    expect(sent.body).toEqual({ contentType: 'html', content: '<attachment id="dlv_01HZ"></attachment>' });
    expect(sent.attachments).toHaveLength(1);
    expect(sent.attachments[0]).toMatchObject({ id: 'dlv_01HZ', contentType: ADAPTIVE_CARD_CONTENT_TYPE });
    const card = JSON.parse(sent.attachments[0].content);
    expect(card).toEqual(JSON.parse(message.body));
    expect(card.type).toBe('AdaptiveCard');
    expect(JSON.stringify(card)).toContain('Drive C: has \\"1%\\" free space');
  });

  it('reuses the token until shortly before it expires, then signs in again', async () => {
    const teams = transport();
    await teams.send(cardMessage(), to(LINK), account);
    await teams.send(cardMessage(), to(LINK), account);
    expect(tokenRequests()).toHaveLength(1);
    clock += (3599 - 300) * 1000 - 1;
    await teams.send(cardMessage(), to(LINK), account);
    expect(tokenRequests()).toHaveLength(1);
    clock += 1;
    await teams.send(cardMessage(), to(LINK), account);
    expect(tokenRequests()).toHaveLength(2);
    expect(graphRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-2',
    ]);
  });

  it('reports a final failure, and posts nothing, when the account requires MFA (S38)', async () => {
    tokenReply = {
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description:
          'AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access.\r\nTrace ID: 0a1b\r\nCorrelation ID: 2c3d',
        error_codes: [50076],
      },
    };
    const r = await transport().send(cardMessage(), to(LINK), account);
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(failureReason(r)).toBe(
      'Entra ID refused the sign-in of scom-notify@contoso.com: multi-factor authentication is required (AADSTS50076); the Teams channel needs an account without MFA (R47)',
    );
    expect(graphRequests()).toHaveLength(0);
  });

  it('reports a refused password as final, with the Entra code and no secret', async () => {
    tokenReply = {
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: `AADSTS50126: Error validating credentials due to invalid username or password ${PASSWORD}.\r\nTrace ID: 9`,
        error_codes: [50126],
      },
    };
    const r = await transport().send(cardMessage(), to(LINK), account);
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(failureReason(r)).toBe(
      'Entra ID refused the sign-in of scom-notify@contoso.com (invalid_grant, AADSTS50126): Error validating credentials due to invalid username or password ***.',
    );
  });

  it('retries when the sign-in service is unavailable', async () => {
    tokenReply = { status: 503, body: { error: 'temporarily_unavailable' } };
    expect(await transport().send(cardMessage(), to(LINK), account)).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it('retries when Graph throttles or fails, and not when it forbids the post', async () => {
    const teams = transport();
    graphReply = () => ({
      status: 429,
      body: { error: { code: 'TooManyRequests', message: 'Too many requests' } },
      headers: { 'retry-after': '7' },
    });
    const throttled = await teams.send(cardMessage(), to(LINK), account);
    expect(throttled).toEqual({
      ok: false,
      retryable: true,
      reason: `127.0.0.1:${ms.port} answered HTTP 429: Too many requests: retry after 7`,
    });
    graphReply = () => ({ status: 502, body: 'Bad gateway' });
    expect(await teams.send(cardMessage(), to(LINK), account)).toMatchObject({ ok: false, retryable: true });
    graphReply = () => ({
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Missing role permissions' } },
    });
    const forbidden = await teams.send(cardMessage(), to(LINK), account);
    expect(forbidden).toMatchObject({ ok: false, retryable: false });
    expect(failureReason(forbidden)).toContain('member of the channel');
    expect(failureReason(forbidden)).not.toContain('at-1');
  });

  it('signs in again once when Graph refuses a cached token, and posts with the new one', async () => {
    const teams = transport();
    await teams.send(cardMessage(), to(LINK), account);
    graphReply = (req) =>
      req.headers.authorization === 'Bearer at-1'
        ? { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Token revoked' } } }
        : { status: 201, body: { id: '2' } };
    expect(await teams.send(cardMessage(), to(LINK), account)).toMatchObject({ ok: true });
    expect(tokenRequests()).toHaveLength(2);
    expect(graphRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-2',
    ]);
  });

  it('refuses, without signing in, a missing account, a foreign tenant and an address that is no channel link', async () => {
    const teams = transport();
    expect(await teams.send(cardMessage(), to(LINK), undefined)).toMatchObject({
      ok: false,
      retryable: false,
    });
    const foreign = LINK.replace(TENANT, '11111111-2222-3333-4444-555555555555');
    expect(await teams.send(cardMessage(), to(foreign), account)).toMatchObject({
      ok: false,
      retryable: false,
    });
    expect(await teams.send(cardMessage(), to('ops@contoso.com'), account)).toMatchObject({
      ok: false,
      retryable: false,
    });
    expect(ms.requests).toHaveLength(0);
  });

  it('refuses for good, without signing in, an account that is not of the Simple Authentication type (R47)', async () => {
    const windows: ChannelCredential = {
      type: 'windows',
      publicFields: { userName: 'svc-notify', domain: 'CONTOSO' },
      secret: { password: PASSWORD },
    };

    const r = await transport().send(cardMessage(), to(LINK), windows);

    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason:
        'the Teams channel signs in with an account of type simple, and the account of its profile is of type windows',
    });
    expect(ms.requests).toHaveLength(0);
  });

  it('wraps a plain-text body in a minimal card', async () => {
    await transport().send(textMessage('Disk full on C:', 'Alert: Disk full'), to(LINK), account);
    const sent = JSON.parse(graphRequests()[0]?.body ?? '');
    expect(sent.subject).toBe('Alert: Disk full');
    expect(JSON.parse(sent.attachments[0].content)).toMatchObject({
      type: 'AdaptiveCard',
      body: [
        { type: 'TextBlock', weight: 'Bolder', text: 'Alert: Disk full' },
        { type: 'TextBlock', wrap: true, text: 'Disk full on C:' },
      ],
    });
  });
});

describe('Teams transport through incoming webhooks', () => {
  let hook: RecordingServer;
  beforeEach(async () => {
    hook = await startRecordingServer(answer(202, ''));
  });
  afterEach(() => hook.close());

  const transport = (hosts = ['127.0.0.1']) =>
    createTeamsTransport(teamsChannelSettingsSchema.parse({ mode: 'webhook', webhookHosts: hosts }), {
      timeoutMs: 2000,
    });
  const hookUrl = () => `${hook.url}/workflows/abc/triggers/manual/paths/invoke?sig=S3CR3T-SIG`;

  it('posts the card as a message attachment to the subscriber webhook URL, with no account', async () => {
    const message = cardMessage();
    const r = await transport().send(message, to(hookUrl()), undefined);
    expect(r).toEqual({ ok: true, detail: `posted to the incoming webhook at 127.0.0.1:${hook.port}` });
    const [req] = hook.requests;
    expect(req?.url).toBe('/workflows/abc/triggers/manual/paths/invoke?sig=S3CR3T-SIG');
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.headers['idempotency-key']).toBe('dlv_01HZ');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      type: 'message',
      attachments: [
        { contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: adaptiveCardOf(message) },
      ],
    });
  });

  it('refuses, without a request, a webhook on a host the channel does not allow', async () => {
    const r = await transport(['*.webhook.office.com']).send(cardMessage(), to(hookUrl()), undefined);
    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason: `the webhook host 127.0.0.1:${hook.port} is not one the Teams channel allows (webhookHosts)`,
    });
    const plain = await transport(['hooks.contoso.com']).send(
      cardMessage(),
      to('http://hooks.contoso.com/x'),
      undefined,
    );
    expect(plain).toMatchObject({ ok: false, retryable: false });
    expect(hook.requests).toHaveLength(0);
  });

  it('retries throttling, even when a connector reports it inside a 200, and never names the URL key', async () => {
    hook.handle(
      answer(
        200,
        'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429',
      ),
    );
    const throttled = await transport().send(cardMessage(), to(hookUrl()), undefined);
    expect(throttled).toMatchObject({ ok: false, retryable: true });
    hook.handle(answer(400, 'Bad payload'));
    const refused = await transport().send(cardMessage(), to(hookUrl()), undefined);
    expect(refused).toMatchObject({ ok: false, retryable: false });
    for (const r of [throttled, refused]) expect(failureReason(r)).not.toContain('S3CR3T');
  });
});
