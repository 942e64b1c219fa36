// Proves the notification API over HTTP: channels, subscribers and subscriptions are created, listed, shown,
// changed and deleted; bad input is refused naming the field with nothing written; administrators alone write
// channels while operators, advanced operators and authors manage subscribers and subscriptions (R34); what a
// subscription uses cannot be deleted; every change is audited without settings or secrets; and the delivery
// list filters by status, alert and subscription.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import type { Role } from '../../../domain/roles.js';

let t: TestApp;
let groupId: string;
beforeAll(async () => {
  t = await createTestApp();
  groupId = 'Contoso.Notify.Servers';
  const g = await t.request({
    method: 'POST',
    url: '/api/v1/groups',
    token: t.adminToken,
    body: { id: groupId, displayName: 'Notified servers' },
  });
  expect(g.statusCode).toBe(201);
});
afterAll(() => t.close());

const CHANNELS = '/api/v1/notification-channels';
const SUBSCRIBERS = '/api/v1/notification-subscribers';
const SUBSCRIPTIONS = '/api/v1/notification-subscriptions';
const DELIVERIES = '/api/v1/notification-deliveries';

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });

let n = 0;
const unique = (prefix: string) => `${prefix} ${++n}`;

const mailSettings = (extra: Record<string, unknown> = {}) => ({
  servers: [{ host: '127.0.0.1', port: 2525, tls: 'none' }],
  from: 'steward@contoso.com',
  authentication: 'anonymous',
  ...extra,
});

/** A command channel running this Node with a script: exit 0 is sent, anything else a dead letter. */
const nodeChannel = (script: string) => ({
  applicationPath: process.execPath,
  arguments: ['-e', script, '$Data/Context/DataItem/AlertName$'],
  timeoutSeconds: 30,
});

async function created(url: string, body: unknown, token = t.adminToken) {
  const res = await call('POST', url, body, token);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; name: string; [k: string]: unknown };
}

const mailChannel = (name = unique('Mail')) =>
  created(CHANNELS, { name, kind: 'email', settings: mailSettings() });
const mailSubscriber = (name = unique('Ops')) =>
  created(SUBSCRIBERS, { name, addresses: [{ name: 'mail', kind: 'email', address: 'ops@contoso.com' }] });

/** Row counts of the notification tables and the audit log: a refused request changes none of them. */
async function counts() {
  const rows = await t.database.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM notification_channels)::text || '/' ||
            (SELECT count(*) FROM notification_subscribers)::text || '/' ||
            (SELECT count(*) FROM notification_subscriptions)::text || '/' ||
            (SELECT count(*) FROM audit_log)::text AS n`,
  );
  return rows[0]!.n;
}

async function refused(
  method: string,
  url: string,
  body: unknown,
  status: number,
  code: string,
  path?: string,
  token = t.adminToken,
) {
  const before = await counts();
  const res = await call(method, url, body, token);
  expect(res.statusCode, res.body).toBe(status);
  const err = res.json().error;
  expect(err.code).toBe(code);
  if (path) expect(err.issues.map((i: { path: string }) => i.path)).toContain(path);
  expect(await counts()).toBe(before);
  return err as { code: string; message: string; issues: { path: string; message: string }[] };
}

const auditOf = (target: string) =>
  t.database.query<{ kind: string; actor: string; details: Record<string, unknown> }>(
    'SELECT kind, actor, details FROM audit_log WHERE target = $1 ORDER BY seq',
    [target],
  );

// ---------------------------------------------------------------- channels

describe('channels', () => {
  it('creates an anonymous e-mail channel with its defaults filled in and no profile, shown and listed', async () => {
    const c = await created(CHANNELS, { name: 'Mail relay', kind: 'email', settings: mailSettings() });
    expect(c).toMatchObject({
      name: 'Mail relay',
      kind: 'email',
      enabled: true,
      profileId: null,
      settings: {
        servers: [{ host: '127.0.0.1', port: 2525, tls: 'none' }],
        from: 'steward@contoso.com',
        authentication: 'anonymous',
        primaryRetryIntervalSeconds: 300,
        bodyIsHtml: false,
        external: false,
      },
    });
    expect(c.id).toMatch(/^[a-z]+_[a-z0-9]+$/);
    const shown = await call('GET', `${CHANNELS}/${c.id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual(c);
    const list = (await call('GET', CHANNELS)).json().items as { id: string }[];
    expect(list.map((i) => i.id)).toContain(c.id);
  });

  it('signs in with the Notification Account profile by default when the channel authenticates (R35)', async () => {
    const c = await created(CHANNELS, {
      name: unique('Signed-in mail'),
      kind: 'email',
      settings: { servers: [{ host: 'smtp.contoso.com' }], from: 'scom@contoso.com' },
    });
    expect(c.profileId).toBe('Steward.NotificationAccount');
    expect(c.settings).toMatchObject({ authentication: 'account', servers: [{ port: 25 }] });
  });

  it('fills in the IM port from the protocol (S37, Q13)', async () => {
    const tls = await created(CHANNELS, {
      name: unique('Chat'),
      kind: 'im',
      settings: { server: 'chat.contoso.com', returnAddress: 'sip:scom@contoso.com', protocol: 'tls' },
    });
    expect(tls.settings).toMatchObject({ protocol: 'tls', port: 5061, path: '/hooks/steward' });
    const tcp = await created(CHANNELS, {
      name: unique('Chat'),
      kind: 'im',
      settings: { server: 'chat.contoso.com', returnAddress: 'sip:scom@contoso.com' },
    });
    expect(tcp.settings).toMatchObject({ protocol: 'tcp', port: 5060 });
  });

  it('changes the name, the enabled flag and the settings (replaced whole), and deletes', async () => {
    const c = await mailChannel();
    const res = await call('PATCH', `${CHANNELS}/${c.id}`, {
      name: unique('Renamed mail'),
      enabled: false,
      settings: mailSettings({ from: 'alerts@contoso.com', importance: 'high' }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const changed = res.json();
    expect(changed).toMatchObject({
      enabled: false,
      settings: { from: 'alerts@contoso.com', importance: 'high' },
    });
    expect(changed.name).toMatch(/^Renamed mail/);
    expect(Date.parse(changed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(changed.createdAt));
    expect((await call('GET', `${CHANNELS}/${c.id}`)).json()).toEqual(changed);

    expect((await call('DELETE', `${CHANNELS}/${c.id}`)).statusCode).toBe(204);
    const gone = await call('GET', `${CHANNELS}/${c.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('NOT_FOUND');
    expect((await call('DELETE', `${CHANNELS}/${c.id}`)).statusCode).toBe(404);
    expect((await call('PATCH', `${CHANNELS}/${c.id}`, { enabled: true })).statusCode).toBe(404);
  });

  it('gives a channel that starts signing in the Notification Account profile', async () => {
    const c = await mailChannel();
    expect(c.profileId).toBeNull();
    const res = await call('PATCH', `${CHANNELS}/${c.id}`, {
      settings: { servers: [{ host: 'smtp.contoso.com' }], from: 'scom@contoso.com' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      profileId: 'Steward.NotificationAccount',
      settings: { authentication: 'account' },
    });
  });

  it('refuses with 400 naming the server a channel that would sign in over plain SMTP, at create and update', async () => {
    const plain = { servers: [{ host: 'smtp.contoso.com', tls: 'none' }], authentication: 'account' };
    const err = await refused(
      'POST',
      CHANNELS,
      { name: unique('Mail in clear'), kind: 'email', settings: mailSettings(plain) },
      400,
      'VALIDATION_FAILED',
      'body.settings.servers.0.tls',
    );
    expect(err.message).toContain('clear text');

    const c = await mailChannel();
    await refused(
      'PATCH',
      `${CHANNELS}/${c.id}`,
      { settings: mailSettings(plain) },
      400,
      'VALIDATION_FAILED',
      'body.settings.servers.0.tls',
    );
    // Plain SMTP to the loopback interface stays allowed (a local relay).
    const local = await call('PATCH', `${CHANNELS}/${c.id}`, {
      settings: mailSettings({ authentication: 'account' }),
    });
    expect(local.statusCode, local.body).toBe(200);
  });

  it.each([
    [{ kind: 'pager', settings: {} }, 'body.kind'],
    [{ kind: 'email' }, 'body.settings'],
    [{ kind: 'email', settings: mailSettings({ from: 'not-a-mailbox' }) }, 'body.settings.from'],
    [{ kind: 'email', settings: mailSettings({ servers: [] }) }, 'body.settings.servers'],
    [
      { kind: 'email', settings: mailSettings({ servers: [{ host: 'smtp 1' }] }) },
      'body.settings.servers.0.host',
    ],
    [
      {
        kind: 'email',
        settings: mailSettings({
          external: true,
          authentication: 'account',
          servers: [{ host: 'a.contoso.com' }, { host: 'b.contoso.com' }],
        }),
      },
      'body.settings.servers',
    ],
    [
      { kind: 'email', settings: mailSettings({ headers: { Subject: 'x' } }) },
      'body.settings.headers.Subject',
    ],
    [
      { kind: 'email', settings: mailSettings({ subject: '$Data/Context/DataItem/NoSuchField$' }) },
      'body.settings.subject',
    ],
    [
      { kind: 'im', settings: { server: 'chat.contoso.com', returnAddress: 'scom@contoso.com' } },
      'body.settings.returnAddress',
    ],
    [
      { kind: 'sms', settings: { gateways: ['http://sms.contoso.com/send'], from: '+15551234567' } },
      'body.settings.gateways.0',
    ],
    [{ kind: 'teams', settings: { mode: 'graph', tenantId: 'contoso.com' } }, 'body.settings.clientId'],
    [{ kind: 'command', settings: { applicationPath: 'page.sh' } }, 'body.settings.applicationPath'],
  ])('refuses the channel %j with 400 naming %s, writing nothing', async (body, path) => {
    await refused('POST', CHANNELS, { name: unique('Bad'), ...body }, 400, 'VALIDATION_FAILED', path);
  });

  it('refuses a password among the settings without echoing it, and an unknown profile', async () => {
    const err = await refused(
      'POST',
      CHANNELS,
      { name: unique('Leaky'), kind: 'email', settings: mailSettings({ password: 'Sup3r-s3cret-value' }) },
      400,
      'VALIDATION_FAILED',
      'body.settings',
    );
    expect(JSON.stringify(err)).not.toContain('Sup3r-s3cret-value');
    await refused(
      'POST',
      CHANNELS,
      { name: unique('Profiled'), kind: 'email', profileId: 'No.Such.Profile', settings: mailSettings() },
      400,
      'VALIDATION_FAILED',
      'body.profileId',
    );
  });

  it('refuses bad new settings of an existing channel against its kind, changing nothing', async () => {
    const c = await mailChannel();
    await refused(
      'PATCH',
      `${CHANNELS}/${c.id}`,
      { settings: mailSettings({ replyTo: 'nobody' }) },
      400,
      'VALIDATION_FAILED',
      'body.settings.replyTo',
    );
    await refused('PATCH', `${CHANNELS}/${c.id}`, { kind: 'sms' }, 400, 'VALIDATION_FAILED', 'body');
    expect((await call('GET', `${CHANNELS}/${c.id}`)).json()).toEqual(c);
  });

  it('refuses a second channel with the same name, and a rename onto one, with 409', async () => {
    const a = await mailChannel();
    const b = await mailChannel();
    const err = await refused(
      'POST',
      CHANNELS,
      { name: a.name, kind: 'email', settings: mailSettings() },
      409,
      'ALREADY_EXISTS',
      'body.name',
    );
    expect(err.message).toContain(a.name);
    await refused('PATCH', `${CHANNELS}/${b.id}`, { name: a.name }, 409, 'ALREADY_EXISTS', 'body.name');
  });
});

// ---------------------------------------------------------------- subscribers

describe('subscribers', () => {
  it('creates a subscriber with an address of every kind and schedules, shows, lists, changes and deletes it', async () => {
    const body = {
      name: 'On-call team',
      schedule: [
        {
          daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          allDay: true,
          timeZone: 'Europe/Paris',
        },
        { exclude: true, startTime: '12:00', endTime: '13:00', timeZone: 'Europe/Paris' },
      ],
      addresses: [
        { name: 'mail', kind: 'email', address: 'oncall@contoso.com' },
        {
          name: 'chat',
          kind: 'im',
          address: 'sip:oncall@contoso.com',
          schedule: [{ startTime: '08:00', endTime: '18:00', timeZone: 'UTC' }],
        },
        { name: 'phone', kind: 'sms', address: 'sms:+15551234567' },
        { name: 'teams', kind: 'teams', address: 'https://teams.microsoft.com/l/channel/19%3a1/Ops' },
        { name: 'pager', kind: 'command', address: '' },
      ],
    };
    const s = await created(SUBSCRIBERS, body);
    expect(s).toMatchObject({
      name: 'On-call team',
      schedule: [{ exclude: false, allDay: true }, { exclude: true }],
    });
    expect(s.addresses).toEqual([
      { name: 'mail', kind: 'email', address: 'oncall@contoso.com', schedule: [] },
      {
        name: 'chat',
        kind: 'im',
        address: 'sip:oncall@contoso.com',
        schedule: [{ exclude: false, startTime: '08:00', endTime: '18:00', timeZone: 'UTC' }],
      },
      { name: 'phone', kind: 'sms', address: 'sms:+15551234567', schedule: [] },
      {
        name: 'teams',
        kind: 'teams',
        // Written, never read back: a webhook URL's path and query are its key.
        address: `https://teams.microsoft.com/… (fingerprint ${createHash('sha256')
          .update('https://teams.microsoft.com/l/channel/19%3a1/Ops')
          .digest('hex')
          .slice(0, 12)})`,
        schedule: [],
      },
      { name: 'pager', kind: 'command', address: '', schedule: [] },
    ]);
    expect((await call('GET', `${SUBSCRIBERS}/${s.id}`)).json()).toEqual(s);
    expect(((await call('GET', SUBSCRIBERS)).json().items as { id: string }[]).map((i) => i.id)).toContain(
      s.id,
    );

    const res = await call('PATCH', `${SUBSCRIBERS}/${s.id}`, {
      addresses: [{ name: 'mail', kind: 'email', address: 'night@contoso.com' }],
      schedule: [],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'On-call team',
      schedule: [],
      addresses: [{ name: 'mail', kind: 'email', address: 'night@contoso.com', schedule: [] }],
    });

    expect((await call('DELETE', `${SUBSCRIBERS}/${s.id}`)).statusCode).toBe(204);
    expect((await call('GET', `${SUBSCRIBERS}/${s.id}`)).statusCode).toBe(404);
  });

  it.each([
    ['email', 'ops'],
    ['email', 'ops@contoso'],
    ['im', 'ops@contoso.com'],
    ['sms', '+15551234567'],
    ['sms', 'sms:call-me'],
    ['teams', 'http://teams.microsoft.com/l/channel/1'],
    ['command', 'run-me'],
  ])('refuses a %s address %j with 400 naming it, writing nothing', async (kind, address) => {
    await refused(
      'POST',
      SUBSCRIBERS,
      {
        name: unique('Bad address'),
        addresses: [
          { name: 'good', kind: 'email', address: 'ops@contoso.com' },
          { name: 'bad', kind, address },
        ],
      },
      400,
      'VALIDATION_FAILED',
      'body.addresses[1].address',
    );
  });

  it('refuses a schedule of exclusions alone as incomplete (Q10), for the subscriber and for an address', async () => {
    const onlyExclusion = [{ exclude: true, startTime: '12:00', endTime: '13:00', timeZone: 'UTC' }];
    const a = await refused(
      'POST',
      SUBSCRIBERS,
      {
        name: unique('Lunch only'),
        schedule: onlyExclusion,
        addresses: [{ name: 'mail', kind: 'email', address: 'ops@contoso.com' }],
      },
      400,
      'VALIDATION_FAILED',
    );
    expect(a.issues[0]!.path).toMatch(/^body\.schedule/);
    expect(a.message).toMatch(/inclusion/i);
    const b = await refused(
      'POST',
      SUBSCRIBERS,
      {
        name: unique('Lunch only'),
        addresses: [{ name: 'mail', kind: 'email', address: 'ops@contoso.com', schedule: onlyExclusion }],
      },
      400,
      'VALIDATION_FAILED',
    );
    expect(b.issues[0]!.path).toMatch(/^body\.addresses\[0\]\.schedule/);
    const s = await mailSubscriber();
    const c = await refused(
      'PATCH',
      `${SUBSCRIBERS}/${s.id}`,
      { schedule: onlyExclusion },
      400,
      'VALIDATION_FAILED',
    );
    expect(c.issues[0]!.path).toMatch(/^body\.schedule/);
  });

  it('refuses a subscriber without addresses, and a second one with the same name (409)', async () => {
    await refused(
      'POST',
      SUBSCRIBERS,
      { name: unique('Nobody'), addresses: [] },
      400,
      'VALIDATION_FAILED',
      'body.addresses',
    );
    const s = await mailSubscriber();
    await refused(
      'POST',
      SUBSCRIBERS,
      { name: s.name, addresses: [{ name: 'mail', kind: 'email', address: 'x@contoso.com' }] },
      409,
      'ALREADY_EXISTS',
      'body.name',
    );
    const other = await mailSubscriber();
    await refused(
      'PATCH',
      `${SUBSCRIBERS}/${other.id}`,
      { name: s.name },
      409,
      'ALREADY_EXISTS',
      'body.name',
    );
  });
});

// ---------------------------------------------------------------- subscriptions

describe('subscriptions', () => {
  it('creates a subscription with defaults, shows, lists, changes and deletes it', async () => {
    const c = await mailChannel();
    const [to, cc, bcc] = [await mailSubscriber(), await mailSubscriber(), await mailSubscriber()];
    const s = await created(SUBSCRIPTIONS, { name: 'Everything', to: [to.id], channelIds: [c.id] });
    expect(s).toMatchObject({
      name: 'Everything',
      description: '',
      enabled: true,
      criteria: {},
      to: [to.id],
      cc: [],
      bcc: [],
      channelIds: [c.id],
      delaySeconds: 0,
      onlyOnResolutionChange: false,
    });
    expect((await call('GET', `${SUBSCRIPTIONS}/${s.id}`)).json()).toEqual(s);
    expect(((await call('GET', SUBSCRIPTIONS)).json().items as { id: string }[]).map((i) => i.id)).toContain(
      s.id,
    );

    const criteria = {
      severities: ['critical'],
      priorities: ['high'],
      resolutionStates: [0],
      classIds: ['System.Computer'],
      groupIds: [groupId],
      workflowIds: ['Contoso.Disk.Free'],
      text: [{ field: 'name', op: 'like', value: 'Disk*' }],
    };
    const res = await call('PATCH', `${SUBSCRIPTIONS}/${s.id}`, {
      description: 'critical disks',
      enabled: false,
      criteria,
      cc: [cc.id],
      bcc: [bcc.id],
      delaySeconds: 300,
      onlyOnResolutionChange: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'Everything',
      description: 'critical disks',
      enabled: false,
      criteria,
      to: [to.id],
      cc: [cc.id],
      bcc: [bcc.id],
      delaySeconds: 300,
      onlyOnResolutionChange: true,
    });

    expect((await call('DELETE', `${SUBSCRIPTIONS}/${s.id}`)).statusCode).toBe(204);
    expect((await call('GET', `${SUBSCRIPTIONS}/${s.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `${SUBSCRIPTIONS}/${s.id}`)).statusCode).toBe(404);
  });

  it('refuses subscribers, channels, classes and groups that do not exist, naming the field (create and change)', async () => {
    const c = await mailChannel();
    const sub = await mailSubscriber();
    const base = { name: unique('Refused'), to: [sub.id], channelIds: [c.id] };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ to: [sub.id, 'subscriber_nosuch'] }, 'body.to', 'subscriber_nosuch'],
      [{ cc: ['subscriber_nosuch'] }, 'body.cc', 'subscriber_nosuch'],
      [{ bcc: ['subscriber_nosuch'] }, 'body.bcc', 'subscriber_nosuch'],
      [{ channelIds: ['channel_nosuch'] }, 'body.channelIds', 'channel_nosuch'],
      [{ criteria: { classIds: ['No.Such.Class'] } }, 'body.criteria.classIds', 'No.Such.Class'],
      [{ criteria: { groupIds: ['No.Such.Group'] } }, 'body.criteria.groupIds', 'No.Such.Group'],
    ];
    for (const [change, path, named] of cases) {
      const err = await refused(
        'POST',
        SUBSCRIPTIONS,
        { ...base, ...change },
        400,
        'VALIDATION_FAILED',
        path,
      );
      expect(err.message).toContain(named);
    }
    const s = await created(SUBSCRIPTIONS, base);
    for (const [change, path] of cases)
      await refused('PATCH', `${SUBSCRIPTIONS}/${s.id}`, change, 400, 'VALIDATION_FAILED', path);
    expect((await call('GET', `${SUBSCRIPTIONS}/${s.id}`)).json()).toEqual(s);
  });

  it.each([
    [{ to: [] }, 'body.to'],
    [{ channelIds: [] }, 'body.channelIds'],
    [{ criteria: { severities: ['fatal'] } }, 'body.criteria.severities[0]'],
    [{ criteria: { owner: 'alice' } }, 'body.criteria'],
    [{ criteria: { text: [{ field: 'name', op: 'not-equals', value: 'x' }] } }, 'body.criteria.text[0].op'],
    [{ delaySeconds: -1 }, 'body.delaySeconds'],
  ])('refuses the subscription change %j with 400 naming %s', async (change, path) => {
    const c = await mailChannel();
    const sub = await mailSubscriber();
    await refused(
      'POST',
      SUBSCRIPTIONS,
      { name: unique('Shape'), to: [sub.id], channelIds: [c.id], ...change },
      400,
      'VALIDATION_FAILED',
      path,
    );
  });

  it('refuses a channel that reaches none of the recipients (no address of its kind), on create and change', async () => {
    const mail = await mailChannel();
    const pagerChannel = await created(CHANNELS, {
      name: unique('Pager'),
      kind: 'command',
      settings: nodeChannel('process.exit(0)'),
    });
    const ops = await mailSubscriber();
    const err = await refused(
      'POST',
      SUBSCRIPTIONS,
      { name: unique('Pages nobody'), to: [ops.id], channelIds: [mail.id, pagerChannel.id] },
      400,
      'VALIDATION_FAILED',
      'body.channelIds',
    );
    expect(err.message).toContain(pagerChannel.name);
    expect(err.message).toContain('command address');
    const s = await created(SUBSCRIPTIONS, {
      name: unique('Mails ops'),
      to: [ops.id],
      channelIds: [mail.id],
    });
    await refused(
      'PATCH',
      `${SUBSCRIPTIONS}/${s.id}`,
      { channelIds: [pagerChannel.id] },
      400,
      'VALIDATION_FAILED',
      'body.channelIds',
    );
    const pager = await created(SUBSCRIBERS, {
      name: unique('Pager'),
      addresses: [{ name: 'pager', kind: 'command', address: '' }],
    });
    // A pager among the recipients: the command channel reaches someone; the mail channel still reaches ops.
    const res = await call('PATCH', `${SUBSCRIPTIONS}/${s.id}`, {
      cc: [pager.id],
      channelIds: [mail.id, pagerChannel.id],
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('refuses a second subscription with the same name with 409', async () => {
    const c = await mailChannel();
    const sub = await mailSubscriber();
    const s = await created(SUBSCRIPTIONS, { name: unique('Twin'), to: [sub.id], channelIds: [c.id] });
    await refused(
      'POST',
      SUBSCRIPTIONS,
      { name: s.name, to: [sub.id], channelIds: [c.id] },
      409,
      'ALREADY_EXISTS',
      'body.name',
    );
  });
});

// ---------------------------------------------------------------- what is in use

describe('deleting what a subscription uses', () => {
  it('refuses to delete a channel or a subscriber (in any role) a subscription uses, naming the subscription', async () => {
    const c = await mailChannel();
    const to = await mailSubscriber();
    const bcc = await mailSubscriber();
    const s = await created(SUBSCRIPTIONS, {
      name: unique('Uses them'),
      to: [to.id],
      bcc: [bcc.id],
      channelIds: [c.id],
    });
    for (const url of [`${CHANNELS}/${c.id}`, `${SUBSCRIBERS}/${to.id}`, `${SUBSCRIBERS}/${bcc.id}`]) {
      const err = await refused('DELETE', url, undefined, 422, 'IN_USE');
      expect(err.message).toContain(s.name);
    }
    expect((await call('DELETE', `${SUBSCRIPTIONS}/${s.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `${CHANNELS}/${c.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `${SUBSCRIBERS}/${to.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `${SUBSCRIBERS}/${bcc.id}`)).statusCode).toBe(204);
  });
});

describe('deleting what subscription criteria name', () => {
  it('refuses to delete a group or a class a subscription names, naming the subscription', async () => {
    const group = 'Contoso.Notify.Doomed';
    const cls = 'Contoso.Notify.DoomedClass';
    expect((await call('POST', '/api/v1/groups', { id: group, displayName: 'Doomed' })).statusCode).toBe(201);
    expect((await call('POST', '/api/v1/classes', { id: cls })).statusCode).toBe(201);
    const s = await created(SUBSCRIPTIONS, {
      name: unique('Names them'),
      to: [(await mailSubscriber()).id],
      channelIds: [(await mailChannel()).id],
      criteria: { groupIds: [group], classIds: [cls] },
    });
    for (const url of [`/api/v1/groups/${group}`, `/api/v1/classes/${cls}`]) {
      const res = await call('DELETE', url);
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error.code).toBe('IN_USE');
      expect(res.json().error.message).toContain(s.name);
    }
    expect((await call('DELETE', `${SUBSCRIPTIONS}/${s.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/groups/${group}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/classes/${cls}`)).statusCode).toBe(204);
  });
});

// ---------------------------------------------------------------- who may do what (R34)

describe('permissions (R34)', () => {
  it.each(['operator', 'advanced-operator', 'author'] as Role[])(
    '%s manages subscribers and subscriptions and reads channels, but may not write channels',
    async (role) => {
      const token = await t.tokenFor(role);
      const c = await mailChannel();
      expect((await call('GET', CHANNELS, undefined, token)).statusCode).toBe(200);
      expect((await call('GET', `${CHANNELS}/${c.id}`, undefined, token)).statusCode).toBe(200);
      await refused(
        'POST',
        CHANNELS,
        { name: unique('Mine'), kind: 'email', settings: mailSettings() },
        403,
        'FORBIDDEN',
        undefined,
        token,
      );
      await refused('PATCH', `${CHANNELS}/${c.id}`, { enabled: false }, 403, 'FORBIDDEN', undefined, token);
      await refused('DELETE', `${CHANNELS}/${c.id}`, undefined, 403, 'FORBIDDEN', undefined, token);

      const sub = await created(
        SUBSCRIBERS,
        { name: unique(role), addresses: [{ name: 'mail', kind: 'email', address: 'me@contoso.com' }] },
        token,
      );
      expect(
        (await call('PATCH', `${SUBSCRIBERS}/${sub.id}`, { name: unique(role) }, token)).statusCode,
      ).toBe(200);
      const s = await created(SUBSCRIPTIONS, { name: unique(role), to: [sub.id], channelIds: [c.id] }, token);
      expect((await call('PATCH', `${SUBSCRIPTIONS}/${s.id}`, { enabled: false }, token)).statusCode).toBe(
        200,
      );
      expect((await call('GET', SUBSCRIPTIONS, undefined, token)).statusCode).toBe(200);
      expect((await call('GET', DELIVERIES, undefined, token)).statusCode).toBe(200);
      expect((await call('DELETE', `${SUBSCRIPTIONS}/${s.id}`, undefined, token)).statusCode).toBe(204);
      expect((await call('DELETE', `${SUBSCRIBERS}/${sub.id}`, undefined, token)).statusCode).toBe(204);
      const audit = await auditOf(s.id);
      expect(audit.map((a) => a.kind)).toEqual([
        'subscription.create',
        'subscription.update',
        'subscription.delete',
      ]);
      expect(new Set(audit.map((a) => a.actor))).toEqual(
        new Set([expect.stringMatching(new RegExp(`^user:${role}-`))]),
      );
    },
  );

  it.each(['operator', 'advanced-operator', 'author'] as Role[])(
    '%s changes only the subscribers and subscriptions it made (R34); an administrator changes any',
    async (role) => {
      const token = await t.tokenFor(role);
      const other = await t.tokenFor(role);
      const c = await mailChannel();
      const mail = [{ name: 'mail', kind: 'email', address: 'me@contoso.com' }];
      const own = await created(SUBSCRIBERS, { name: unique(role), addresses: mail }, token);
      const s = await created(SUBSCRIPTIONS, { name: unique(role), to: [own.id], channelIds: [c.id] }, token);
      expect(own.createdBy).toEqual(expect.stringMatching(/^usr_/));
      expect(s.createdBy).toBe(own.createdBy);
      // Another user of the same role, and one of the administrator's: read, used as recipients, not changed.
      const admins = await mailSubscriber();
      expect(admins.createdBy).not.toBe(own.createdBy);
      for (const [method, url, body] of [
        ['PATCH', `${SUBSCRIBERS}/${own.id}`, { name: unique('taken') }],
        ['DELETE', `${SUBSCRIBERS}/${own.id}`, undefined],
        ['PATCH', `${SUBSCRIPTIONS}/${s.id}`, { enabled: false }],
        ['DELETE', `${SUBSCRIPTIONS}/${s.id}`, undefined],
      ] as const) {
        const err = await refused(method, url, body, 403, 'FORBIDDEN', undefined, other);
        expect(err.message).toContain('R34');
      }
      await refused(
        'PATCH',
        `${SUBSCRIBERS}/${admins.id}`,
        { name: unique('x') },
        403,
        'FORBIDDEN',
        undefined,
        token,
      );
      expect((await call('GET', `${SUBSCRIPTIONS}/${s.id}`, undefined, other)).statusCode).toBe(200);
      const mine = await created(
        SUBSCRIPTIONS,
        { name: unique(role), to: [own.id, admins.id], channelIds: [c.id] },
        other,
      );
      expect((await call('PATCH', `${SUBSCRIPTIONS}/${s.id}`, { enabled: false })).statusCode).toBe(200);
      expect((await call('DELETE', `${SUBSCRIPTIONS}/${mine.id}`)).statusCode).toBe(204);
      expect((await call('DELETE', `${SUBSCRIPTIONS}/${s.id}`, undefined, token)).statusCode).toBe(204);
    },
  );

  it('refuses a read-only operator everything here, reads included', async () => {
    const token = await t.tokenFor('read-only-operator');
    const c = await mailChannel();
    const sub = await mailSubscriber();
    const s = await created(SUBSCRIPTIONS, { name: unique('Watched'), to: [sub.id], channelIds: [c.id] });
    const attempts: [string, string, unknown?][] = [
      ['GET', CHANNELS],
      ['GET', `${CHANNELS}/${c.id}`],
      ['POST', CHANNELS, { name: unique('No'), kind: 'email', settings: mailSettings() }],
      ['PATCH', `${CHANNELS}/${c.id}`, { enabled: false }],
      ['DELETE', `${CHANNELS}/${c.id}`],
      ['GET', SUBSCRIBERS],
      ['GET', `${SUBSCRIBERS}/${sub.id}`],
      [
        'POST',
        SUBSCRIBERS,
        { name: unique('No'), addresses: [{ name: 'm', kind: 'email', address: 'a@b.co' }] },
      ],
      ['PATCH', `${SUBSCRIBERS}/${sub.id}`, { name: unique('No') }],
      ['DELETE', `${SUBSCRIBERS}/${sub.id}`],
      ['GET', SUBSCRIPTIONS],
      ['GET', `${SUBSCRIPTIONS}/${s.id}`],
      ['POST', SUBSCRIPTIONS, { name: unique('No'), to: [sub.id], channelIds: [c.id] }],
      ['PATCH', `${SUBSCRIPTIONS}/${s.id}`, { enabled: false }],
      ['DELETE', `${SUBSCRIPTIONS}/${s.id}`],
      ['GET', DELIVERIES],
    ];
    for (const [method, url, body] of attempts)
      await refused(method, url, body, 403, 'FORBIDDEN', undefined, token);
  });

  it('answers 401 without a token', async () => {
    for (const url of [CHANNELS, SUBSCRIBERS, SUBSCRIPTIONS, DELIVERIES]) {
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode).toBe(401);
    }
  });
});

// ---------------------------------------------------------------- audit

describe('audit', () => {
  it('records every change with who made it and what, never the settings or a secret', async () => {
    const c = await created(CHANNELS, {
      name: unique('Audited mail'),
      kind: 'email',
      settings: mailSettings({ headers: { 'X-Route': 'audit-marker-7' } }),
    });
    await call('PATCH', `${CHANNELS}/${c.id}`, {
      enabled: false,
      settings: mailSettings({ headers: { 'X-Route': 'audit-marker-8' } }),
    });
    const sub = await mailSubscriber();
    await call('PATCH', `${SUBSCRIBERS}/${sub.id}`, {
      addresses: [{ name: 'mail', kind: 'email', address: 'audit-marker-9@contoso.com' }],
    });
    const s = await created(SUBSCRIPTIONS, { name: unique('Audited'), to: [sub.id], channelIds: [c.id] });
    await call('PATCH', `${SUBSCRIPTIONS}/${s.id}`, { delaySeconds: 60 });
    for (const url of [`${SUBSCRIPTIONS}/${s.id}`, `${SUBSCRIBERS}/${sub.id}`, `${CHANNELS}/${c.id}`])
      expect((await call('DELETE', url)).statusCode).toBe(204);

    const channelAudit = await auditOf(c.id);
    expect(channelAudit.map((a) => a.kind)).toEqual(['channel.create', 'channel.update', 'channel.delete']);
    expect(channelAudit[0]!.details).toEqual({ name: c.name, kind: 'email', profileId: null, enabled: true });
    expect(channelAudit[1]!.details).toEqual({ changed: ['enabled', 'settings'] });
    expect((await auditOf(sub.id)).map((a) => a.kind)).toEqual([
      'subscriber.create',
      'subscriber.update',
      'subscriber.delete',
    ]);
    const subscriptionAudit = await auditOf(s.id);
    expect(subscriptionAudit.map((a) => a.kind)).toEqual([
      'subscription.create',
      'subscription.update',
      'subscription.delete',
    ]);
    expect(subscriptionAudit[1]!.details).toEqual({ changed: ['delaySeconds'] });
    for (const a of [...channelAudit, ...subscriptionAudit, ...(await auditOf(sub.id))]) {
      expect(a.actor).toMatch(/^user:administrator-/);
      expect(JSON.stringify(a.details)).not.toMatch(/audit-marker|127\.0\.0\.1|steward@contoso\.com/);
    }
  });
});

// ---------------------------------------------------------------- deliveries

describe('deliveries', () => {
  interface Delivery {
    id: string;
    alertId: string;
    subscriptionId: string;
    status: string;
    attempts: number;
    lastError: string | null;
    detail: string | null;
    address: string;
    role: string;
  }
  const deliveries = async (query: string) => {
    const res = await call('GET', `${DELIVERIES}${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Delivery[];
  };

  it('never reads back the key of a webhook URL: subscribers and deliveries show its host and a fingerprint', async () => {
    const KEY = 'k3y-0f-th3-w3bh00k';
    const url = `https://localhost:9/webhookb2/${KEY}/IncomingWebhook/x?sig=${KEY}`;
    const shown = `https://localhost:9/… (fingerprint ${createHash('sha256').update(url).digest('hex').slice(0, 12)})`;
    const ch = await created(CHANNELS, {
      name: unique('Teams webhook'),
      kind: 'teams',
      settings: { mode: 'webhook', webhookHosts: ['localhost'] },
    });
    const createRes = await call('POST', SUBSCRIBERS, {
      name: unique('Teams room'),
      addresses: [{ name: 'room', kind: 'teams', address: url }],
    });
    expect(createRes.statusCode, createRes.body).toBe(201);
    const room = createRes.json();
    expect(room.addresses[0].address).toBe(shown);
    // Its own alert alone: not the channel's pause alert (the webhook's host does not answer).
    const sub = await created(SUBSCRIPTIONS, {
      name: unique('Teams'),
      to: [room.id],
      channelIds: [ch.id],
      criteria: { text: [{ field: 'name', op: 'equals', value: 'Webhook room alert' }] },
    });
    await t.app.runtime.leases.renew();
    await t.app.runtime.notify();
    const alert = await call('POST', '/api/v1/alerts', { name: 'Webhook room alert', severity: 'critical' });
    expect(alert.statusCode).toBe(201);
    await t.app.runtime.notify();

    const mine = await deliveries(`?subscription=${sub.id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.address).toBe(shown);
    const reads = [
      await call('GET', `${SUBSCRIBERS}/${room.id}`),
      await call('GET', SUBSCRIBERS),
      await call('GET', DELIVERIES),
      await call('PATCH', `${SUBSCRIBERS}/${room.id}`, { name: unique('Teams room renamed') }),
    ];
    for (const res of [createRes, ...reads]) {
      expect(res.statusCode).toBe(200 + (res === createRes ? 1 : 0));
      expect(res.body).not.toContain(KEY);
    }
    // What is shown is no address: sent back in a change, it keeps the stored address it shows, so the
    // address's schedule can change without the key; one that shows no stored address is refused.
    const other = shown.replace(/fingerprint [0-9a-f]{12}/, 'fingerprint 000000000000');
    await refused(
      'PATCH',
      `${SUBSCRIBERS}/${room.id}`,
      { addresses: [{ name: 'room', kind: 'teams', address: other }] },
      400,
      'VALIDATION_FAILED',
      'body.addresses[0].address',
    );
    const weekdays = [{ daysOfWeek: ['monday'], allDay: true, timeZone: 'UTC', exclude: false }];
    const back = await call('PATCH', `${SUBSCRIBERS}/${room.id}`, {
      addresses: [{ name: 'room', kind: 'teams', address: shown, schedule: weekdays }],
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json().addresses).toEqual([
      { name: 'room', kind: 'teams', address: shown, schedule: weekdays },
    ]);
    const stored = await t.database.query<{ addresses: { address: string }[] }>(
      'SELECT addresses FROM notification_subscribers WHERE id = $1',
      [room.id],
    );
    expect(stored[0]!.addresses.map((a) => a.address)).toEqual([url]);
    await call('PATCH', `${SUBSCRIPTIONS}/${sub.id}`, { enabled: false });
  });

  it('lists deliveries newest first, filtered by status, alert and subscription, with the reason of a dead letter', async () => {
    const ok = await created(CHANNELS, {
      name: unique('Runs fine'),
      kind: 'command',
      settings: nodeChannel('process.exit(0)'),
    });
    const bad = await created(CHANNELS, {
      name: unique('Always fails'),
      kind: 'command',
      settings: nodeChannel('console.error("pager refused"); process.exit(3)'),
    });
    const pager = await created(SUBSCRIBERS, {
      name: unique('Pager'),
      addresses: [{ name: 'pager', kind: 'command', address: '' }],
    });
    const good = await created(SUBSCRIPTIONS, { name: unique('Good'), to: [pager.id], channelIds: [ok.id] });
    const dead = await created(SUBSCRIPTIONS, {
      name: unique('Dead'),
      to: [pager.id],
      channelIds: [bad.id],
      criteria: { severities: ['critical'] },
    });
    await t.app.runtime.leases.renew();
    await t.app.runtime.notify();
    const raise = async (severity: string) => {
      const res = await call('POST', '/api/v1/alerts', { name: `Disk ${severity}`, severity });
      expect(res.statusCode).toBe(201);
      return res.json().id as string;
    };
    const critical = await raise('critical');
    const warning = await raise('warning');
    await t.app.runtime.notify();

    // Other tests' subscriptions match these alerts too: each filter must give exactly what it selects.
    const all = await deliveries('');
    const ours = all.filter((d) => [good.id, dead.id].includes(d.subscriptionId));
    expect(ours.map((d) => [d.alertId, d.subscriptionId, d.status]).sort()).toEqual(
      [
        [critical, good.id, 'sent'],
        [critical, dead.id, 'dead'],
        [warning, good.id, 'sent'],
      ].sort(),
    );
    const ids = (items: Delivery[]) => items.map((d) => d.id);
    for (const [query, keep] of [
      ['?status=dead', (d: Delivery) => d.status === 'dead'],
      ['?status=sent', (d: Delivery) => d.status === 'sent'],
      [`?alert=${critical}`, (d: Delivery) => d.alertId === critical],
      [`?subscription=${good.id}`, (d: Delivery) => d.subscriptionId === good.id],
      [`?alert=${warning}&subscription=${dead.id}`, () => false],
      [`?alert=${critical}&status=sent`, (d: Delivery) => d.alertId === critical && d.status === 'sent'],
    ] as const) {
      const got = await deliveries(query);
      expect(ids(got), query).toEqual(ids(all.filter(keep)));
      expect(got.length, query).toBeLessThan(all.length);
    }

    const [deadLetter] = await deliveries(`?subscription=${dead.id}`);
    expect(deadLetter).toMatchObject({
      alertId: critical,
      status: 'dead',
      attempts: 1,
      address: '',
      role: 'to',
      detail: null,
      lastError: expect.stringMatching(/exited with code 3: pager refused/),
    });
    const sent = await deliveries(`?subscription=${good.id}&status=sent`);
    expect(sent).toHaveLength(2);
    for (const d of sent) {
      expect(d.lastError).toBeNull();
      expect(d.detail).toMatch(/exited with code 0/);
    }
    const newest = await deliveries('?limit=1');
    expect(ids(newest)).toEqual([all[0]!.id]);

    for (const query of ['?status=lost', '?limit=0', '?limit=abc', '?owner=me']) {
      const res = await call('GET', `${DELIVERIES}${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.issues[0].path).toMatch(/^querystring/);
    }
  });
});
