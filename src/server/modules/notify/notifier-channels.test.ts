// Proves the IM, Teams (Graph), SMS and command channels end to end in process against real local endpoints: IM
// port defaults and a chat webhook (S37), an Adaptive Card posted as the Run As account and MFA reported as a
// dead letter (S38), SMS with the notification account and a backup gateway (R39), a script run with the alert
// fields (R41), and that no password leaks into deliveries, responses or the audit log.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  answer,
  type RecordingServer,
  startRecordingServer,
} from '../../../../test/support/recording-http-server.js';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { builtInPoolIds } from '../../../contract/inventory.js';

const POOL = builtInPoolIds.notifications;
const NOTIFY_PASSWORD = 'Sms-G4teway!pw';
const TEAMS_PASSWORD = 'T3ams-Graph!pw';
const ACCESS_TOKEN = 'graph-access-token-5f1c9a';
const SECRETS = [NOTIFY_PASSWORD, TEAMS_PASSWORD, ACCESS_TOKEN];
const TEAMS_USER = 'scom-notify@contoso.onmicrosoft.com';
const TEAMS_PROFILE = 'Test.Notify.TeamsAccount';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b7c3b9e-1d2f-4e5a-9b8c-7d6e5f4a3b2c';
const TEAM = 'fbe2bf47-16c8-47cf-b4a5-4b9b187c508b';
const TEAMS_CHANNEL = '19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2';
const CHANNEL_LINK = `https://teams.microsoft.com/l/channel/${encodeURIComponent(TEAMS_CHANNEL)}/Operations?groupId=${TEAM}&tenantId=${TENANT}`;

let t: TestApp;
const responses: LightMyRequestResponse[] = [];
const servers: RecordingServer[] = [];

async function api(method: string, url: string, body?: unknown): Promise<LightMyRequestResponse> {
  const res = await t.request({ method, url, body, token: t.adminToken });
  responses.push(res);
  return res;
}

async function created(url: string, body: unknown): Promise<string> {
  const res = await api('POST', url, body);
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
}

async function endpoint(handler = answer(200, 'ok')): Promise<RecordingServer> {
  const s = await startRecordingServer(handler);
  servers.push(s);
  return s;
}

interface Delivery {
  id: string;
  alertId: string;
  address: string;
  status: string;
  attempts: number;
  lastError: string | null;
  detail: string | null;
}

async function round() {
  await t.app.runtime.leases.renew();
  await t.app.runtime.notify();
}

async function deliveriesOf(subscriptionId: string): Promise<Delivery[]> {
  const res = await api('GET', `/api/v1/notification-deliveries?subscription=${subscriptionId}&limit=1000`);
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

const made: { channels: string[]; subscriptions: string[] } = { channels: [], subscriptions: [] };

async function channel(body: Record<string, unknown>): Promise<string> {
  const id = await created('/api/v1/notification-channels', body);
  made.channels.push(id);
  return id;
}

/** A subscriber with one address, a subscription of every alert to it through `channelId`, and a first round. */
async function subscribe(name: string, address: { kind: string; address: string }, channelId: string) {
  const subscriber = await created('/api/v1/notification-subscribers', {
    name,
    addresses: [{ name: address.kind, ...address }],
  });
  const id = await created('/api/v1/notification-subscriptions', {
    name,
    to: [subscriber],
    channelIds: [channelId],
  });
  made.subscriptions.push(id);
  await round();
  return id;
}

const raise = (name: string, extra: Record<string, unknown> = {}) =>
  created('/api/v1/alerts', { name, severity: 'critical', priority: 'high', ...extra });

async function account(name: string, credential: Record<string, unknown>, profileId: string) {
  const id = await created('/api/v1/accounts', { name, credential });
  const distributed = await api('PUT', `/api/v1/accounts/${id}/distribution`, {
    security: 'more-secure',
    approved: [POOL],
  });
  expect(distributed.statusCode).toBe(200);
  await created(`/api/v1/profiles/${profileId}/associations`, { accountId: id });
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  const pack = {
    id: 'Test.Notify.Teams.Pack',
    version: '1.0.0',
    displayName: 'Teams notification profile',
    references: [{ id: 'Steward.Library', minVersion: '1.0.0' }],
    profiles: [
      {
        id: TEAMS_PROFILE,
        displayName: 'Teams account',
        contextClass: 'Steward.AlertNotificationSubscriptionServer',
      },
    ],
  };
  expect((await api('POST', '/api/v1/packs', { content: JSON.stringify(pack) })).statusCode).toBe(201);
  await account(
    'Notification action account',
    { type: 'windows', domain: 'CONTOSO', userName: 'svc-notify', password: NOTIFY_PASSWORD },
    'Steward.NotificationAccount',
  );
  await account(
    'Teams account',
    { type: 'simple', userName: TEAMS_USER, password: TEAMS_PASSWORD },
    TEAMS_PROFILE,
  );
  await t.app.resolution.catchUp();
  await round();
});
afterEach(async () => {
  for (const id of made.subscriptions.splice(0))
    await api('PATCH', `/api/v1/notification-subscriptions/${id}`, { enabled: false });
  for (const id of made.channels.splice(0))
    await api('PATCH', `/api/v1/notification-channels/${id}`, { enabled: false });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await t?.close();
});

describe('IM channel', () => {
  const im = (name: string, settings: Record<string, unknown>) =>
    api('POST', '/api/v1/notification-channels', { name, kind: 'im', settings });

  it('S37 IM defaults: tls without a port is 5061, tcp 5060; a return address without sip: is refused', async () => {
    const tls = await im('IM over TLS', {
      server: 'im.contoso.com',
      protocol: 'tls',
      returnAddress: 'sip:scom@contoso.com',
    });
    expect(tls.statusCode).toBe(201);
    expect(tls.json().settings).toMatchObject({ protocol: 'tls', port: 5061 });
    made.channels.push(tls.json().id);
    const tcp = await im('IM over TCP', {
      server: 'im.contoso.com',
      protocol: 'tcp',
      returnAddress: 'sip:scom@contoso.com',
    });
    expect(tcp.statusCode).toBe(201);
    expect(tcp.json().settings).toMatchObject({ protocol: 'tcp', port: 5060 });
    made.channels.push(tcp.json().id);

    const noSip = await im('IM without sip', {
      server: 'im.contoso.com',
      protocol: 'tls',
      returnAddress: 'scom@contoso.com',
    });
    expect(noSip.statusCode).toBe(400);
    expect(noSip.json().error.issues.map((i: { path: string }) => i.path)).toContain(
      'body.settings.returnAddress',
    );
  });

  it('S37 IM: an alert is posted to the chat webhook from the return address to the subscriber', async () => {
    const hook = await endpoint(answer(200, 'ok'));
    const ch = await channel({
      name: 'IM to the local chat server',
      kind: 'im',
      settings: {
        server: '127.0.0.1',
        protocol: 'tcp',
        port: hook.port,
        path: '/hooks/steward',
        returnAddress: 'sip:scom@contoso.com',
      },
    });
    const sub = await subscribe('IM operators', { kind: 'im', address: 'sip:ops@contoso.com' }, ch);

    const alertId = await raise('Web farm degraded');
    await round();

    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', url: '/hooks/steward' });
    const payload = JSON.parse(req.body);
    expect(payload).toMatchObject({
      username: 'sip:scom@contoso.com',
      channel: 'sip:ops@contoso.com',
      mrkdwn: false,
    });
    expect(payload.text).toContain('Web farm degraded');
    expect(req.headers.authorization).toBeUndefined();
    expect(await deliveriesOf(sub)).toEqual([
      expect.objectContaining({ alertId, status: 'sent', address: 'sip:ops@contoso.com', lastError: null }),
    ]);
  });
});

/** Teams through Graph with the sign-in and Graph endpoints both at `url`. */
const graphSettings = (url: string) => ({
  mode: 'graph',
  tenantId: TENANT,
  clientId: CLIENT,
  authorizationUrl: url,
  graphApiUrl: url,
});

describe('Teams channel through Graph (R47)', () => {
  const graphChannel = (name: string, url: string) =>
    channel({ name, kind: 'teams', profileId: TEAMS_PROFILE, settings: graphSettings(url) });

  it('S38 Teams: signs in with the account (password grant) and posts an Adaptive Card to the linked channel', async () => {
    const graph = await endpoint((req, res) => {
      if (req.url.endsWith('/oauth2/v2.0/token'))
        answer(200, { token_type: 'Bearer', access_token: ACCESS_TOKEN, expires_in: 3600 })(req, res);
      else answer(201, { id: '1700000000001' })(req, res);
    });
    const ch = await graphChannel('Teams operations channel', graph.url);
    const sub = await subscribe('Teams operators', { kind: 'teams', address: CHANNEL_LINK }, ch);

    const alertId = await raise('Exchange queue growing');
    await round();

    expect(graph.requests.map((r) => r.url)).toEqual([
      `/${TENANT}/oauth2/v2.0/token`,
      `/v1.0/teams/${TEAM}/channels/${encodeURIComponent(TEAMS_CHANNEL)}/messages`,
    ]);
    const grant = Object.fromEntries(new URLSearchParams(graph.requests[0]!.body));
    expect(grant).toEqual({
      grant_type: 'password',
      client_id: CLIENT,
      username: TEAMS_USER,
      password: TEAMS_PASSWORD,
      scope: `${graph.url}/ChannelMessage.Send`,
    });
    const post = graph.requests[1]!;
    expect(post.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    const message = JSON.parse(post.body);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(message.body.content).toBe(`<attachment id="${message.attachments[0].id}"></attachment>`);
    const card = JSON.parse(message.attachments[0].content);
    expect(card.type).toBe('AdaptiveCard');
    expect(JSON.stringify(card)).toContain('Exchange queue growing');
    const [d] = await deliveriesOf(sub);
    expect(d).toMatchObject({ alertId, status: 'sent', attempts: 1, lastError: null });
    expect(d!.detail).toContain(`posted to channel "Operations" as ${TEAMS_USER}`);
  });

  it('S38 Teams: an account that needs MFA is a dead letter with the reason, not a silent drop', async () => {
    const entra = await endpoint(
      answer(400, {
        error: 'invalid_grant',
        error_description:
          'AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.',
        error_codes: [50076],
      }),
    );
    const ch = await graphChannel('Teams channel, account with MFA', entra.url);
    const sub = await subscribe('Teams operators, MFA', { kind: 'teams', address: CHANNEL_LINK }, ch);

    await raise('Certificate expiring');
    await round();

    expect(entra.requests.map((r) => r.url)).toEqual([`/${TENANT}/oauth2/v2.0/token`]);
    const [d] = await deliveriesOf(sub);
    expect(d).toMatchObject({ status: 'dead', attempts: 1 });
    expect(d!.lastError).toContain('AADSTS50076');
    expect(d!.lastError).toContain('multi-factor authentication is required');
    expect(d!.lastError).toContain(TEAMS_USER);
    const dead = (await api('GET', '/api/v1/notification-deliveries?status=dead')).json().items;
    expect(dead.map((x: Delivery) => x.id)).toContain(d!.id);
  });
});

describe('account types (R37, R47)', () => {
  it('refuses with 422 naming the profile a channel whose profile resolves to an account of a type it cannot sign in with', async () => {
    const url = 'https://graph.contoso.example';
    const teams = await api('POST', '/api/v1/notification-channels', {
      name: 'Teams with the Windows notification account',
      kind: 'teams',
      settings: graphSettings(url),
    });
    expect(teams.statusCode, teams.body).toBe(422);
    expect(teams.json().error.code).toBe('RULE_VIOLATION');
    expect(teams.json().error.message).toContain(
      "of type simple, and profile Steward.NotificationAccount resolves to 'Notification action account' of type windows",
    );
    expect(teams.json().error.issues).toEqual([
      { path: 'body.profileId', message: 'must resolve to an account of type simple, not windows' },
    ]);

    const imSettings = { server: 'im.contoso.com', protocol: 'tls', returnAddress: 'sip:scom@contoso.com' };
    const im = await api('POST', '/api/v1/notification-channels', {
      name: 'IM signed in with a password account',
      kind: 'im',
      profileId: TEAMS_PROFILE,
      settings: { ...imSettings, authentication: 'account' },
    });
    expect(im.statusCode, im.body).toBe(422);
    expect(im.json().error.issues[0].message).toBe('must resolve to an account of type token, not simple');

    // The same check when a channel starts signing in, or moves to another profile.
    const anonymous = await channel({ name: 'IM without sign-in', kind: 'im', settings: imSettings });
    const signsIn = await api('PATCH', `/api/v1/notification-channels/${anonymous}`, {
      profileId: TEAMS_PROFILE,
      settings: { ...imSettings, authentication: 'account' },
    });
    expect(signsIn.statusCode, signsIn.body).toBe(422);
    const sms = await channel({
      name: 'SMS with the notification account',
      kind: 'sms',
      settings: { gateways: ['https://sms.contoso.example/send'], from: '+15550001111' },
    });
    const moved = await api('PATCH', `/api/v1/notification-channels/${sms}`, { profileId: TEAMS_PROFILE });
    expect(moved.statusCode, moved.body).toBe(200);
  });
});

describe('SMS channel', () => {
  it('SMS: a form POST with Basic auth of the notification account, through the backup when the primary is down', async () => {
    const primary = await endpoint(answer(503, 'gateway maintenance'));
    const backup = await endpoint(answer(201, { sid: 'SM5f2b9c' }));
    const ch = await channel({
      name: 'SMS gateways',
      kind: 'sms',
      settings: {
        gateways: [`${primary.url}/2010-04-01/Messages`, `${backup.url}/2010-04-01/Messages`],
        from: '+15550001111',
      },
    });
    expect((await api('GET', `/api/v1/notification-channels/${ch}`)).json().profileId).toBe(
      'Steward.NotificationAccount',
    );
    const sub = await subscribe('On-call phone', { kind: 'sms', address: 'sms:+15551234567' }, ch);

    const alertId = await raise('Database offline');
    await round();

    const basic = `Basic ${Buffer.from(`svc-notify:${NOTIFY_PASSWORD}`).toString('base64')}`;
    expect(primary.requests).toHaveLength(1);
    expect(primary.requests[0]!.headers.authorization).toBe(basic);
    expect(backup.requests).toHaveLength(1);
    const sms = backup.requests[0]!;
    expect(sms.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sms.headers.authorization).toBe(basic);
    expect(Object.fromEntries(new URLSearchParams(sms.body))).toEqual({
      To: '+15551234567',
      From: '+15550001111',
      Body: 'Alert: Database offline Resolution state: New',
    });
    const [d] = await deliveriesOf(sub);
    expect(d).toMatchObject({ alertId, status: 'sent', attempts: 1 });
    expect(d!.detail).toContain('(backup 1), message SM5f2b9c');

    // The channel stays on the backup: the next message does not try the primary first.
    await raise('Database still offline');
    await round();
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(2);
  });
});

describe('command channel', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-notify-command-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('R41 command channel: runs the script with the alert fields as arguments and sends no message', async () => {
    const script = join(dir, 'page.sh');
    const out = join(dir, 'args.txt');
    await writeFile(script, '#!/bin/sh\nout="$1"\nshift\nprintf \'%s\\n\' "$@" > "$out"\necho paged\n');
    await chmod(script, 0o755);
    const ch = await channel({
      name: 'Pager script',
      kind: 'command',
      settings: {
        applicationPath: script,
        arguments: [
          out,
          '$Data/Context/DataItem/AlertName$',
          '$Data/Context/DataItem/Severity$',
          '$Data/Context/DataItem/Priority$',
          '$Data/Context/DataItem/AlertId$',
          "$Data[Default='no owner']/Context/DataItem/Owner$",
        ],
        workingDirectory: dir,
      },
    });
    const sub = await subscribe('Pager', { kind: 'command', address: '' }, ch);

    const alertId = await raise('Disk full; rm -rf / "quoted"');
    await round();

    const args = (await readFile(out, 'utf8')).split('\n').slice(0, -1);
    expect(args).toEqual(['Disk full; rm -rf / "quoted"', 'Critical', 'High', alertId, 'no owner']);
    const [d] = await deliveriesOf(sub);
    expect(d).toMatchObject({ alertId, status: 'sent', address: '' });
    expect(d!.detail).toMatch(/^page\.sh exited with code 0 after \d+ ms: paged$/);
  });
});

describe('secrets', () => {
  it('no password or token appears in a delivery, an API response or the audit log', async () => {
    const all = (await api('GET', '/api/v1/notification-deliveries?limit=1000')).json().items as Delivery[];
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.some((d) => d.lastError !== null)).toBe(true);
    const audit = await api('GET', '/api/v1/audit?limit=1000');
    expect(audit.statusCode).toBe(200);
    expect(audit.json().items.some((e: { kind: string }) => e.kind === 'credential.delivery')).toBe(true);
    await api('GET', '/api/v1/accounts');
    await api('GET', '/api/v1/notification-channels');
    await api('GET', '/api/v1/alerts?state=all&limit=1000');
    for (const res of responses)
      for (const secret of SECRETS) expect(res.body, `${res.statusCode} response`).not.toContain(secret);
    for (const d of all)
      for (const secret of SECRETS) expect(`${d.lastError} ${d.detail}`).not.toContain(secret);
  });
});
