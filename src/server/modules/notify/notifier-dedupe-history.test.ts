// Proves, end to end through a real SMTP server on loopback, one message per address and alert change: two
// subscriptions reaching one address send one mail naming both in X-Steward-Subscriptions (non-ASCII as RFC 2047
// encoded words), another address still gets its own, two servers deciding the same change at once still make
// one delivery (the unique index decides), a subscription whose delay ends later does not mail that address
// again for the same change, and a subscription name cannot inject a header with CR/LF. And each change as it was: an alert
// raised, repeated, changed and closed before the notifier looks sends one mail per change, each showing the
// alert as that change left it (New, then the new owner and priority, then Closed), and a subscription to new
// alerts still hears of one that was closed before the notifier looked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Mail, type Smtp, startSmtp } from '../../../../test/support/smtp-server.js';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createKeyring } from '../../../crypto/keyring.js';
import { channelDrivers } from '../../../notify/channel-drivers.js';
import { createAccountsService } from '../accounts/accounts-service.js';
import { createAlertsService } from '../alerts/alerts-service.js';
import { createPoolCredentials } from '../runtime/pool-credentials.js';
import { createNotifier } from './notifier.js';

let t: TestApp;

async function api(method: string, url: string, body?: unknown) {
  return t.request({ method, url, body, token: t.adminToken });
}

async function created(url: string, body: unknown): Promise<string> {
  const res = await api('POST', url, body);
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
}

// ---------------------------------------------------------------- a real SMTP server on loopback

let smtp: Smtp;

/** RFC 2047: runs of encoded words become their text (adjacent words may split one character). */
function decodeWords(value: string): string {
  return value.replace(/(?:=\?[Uu][Tt][Ff]-8\?[QqBb]\?[^?]*\?=\s*)+/g, (run) => {
    const bytes = [...run.matchAll(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g)].map(([, enc, text]) =>
      enc!.toUpperCase() === 'B'
        ? Buffer.from(text!, 'base64')
        : Buffer.from(
            text!
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ),
    );
    return Buffer.concat(bytes).toString('utf8');
  });
}

const mailTo = (address: string) => smtp.mails.filter((m) => m.rcptTo.includes(address));
const subjects = (ms: Mail[]) => ms.map((m) => m.headers.get('subject'));

// ---------------------------------------------------------------- notifications

interface Delivery {
  id: string;
  alertId: string;
  subscriptionId: string;
  subscriptionIds: string[];
  address: string;
  status: string;
}

/** One notifier round on this server, which holds the Notifications Resource Pool. */
async function round() {
  await t.app.runtime.leases.renew();
  await t.app.runtime.notify();
}

async function deliveries(query: string): Promise<Delivery[]> {
  const res = await api('GET', `/api/v1/notification-deliveries?${query}&limit=1000`);
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

/** The mails sent for these deliveries, oldest delivery first (mails go out several at a time). */
function mailsOf(ds: Delivery[]): Mail[] {
  return [...ds].reverse().map((d) => {
    const m = smtp.mails.find((x) => x.headers.get('message-id') === `<${d.id}@steward>`);
    if (!m) throw new Error(`no mail for delivery ${d.id}`);
    return m;
  });
}

/** Subscriptions a test made: turned off after it, so later alerts reach only the next test's. */
const made: string[] = [];

/** An anonymous mail channel to the SMTP server of the tests. */
const mailChannel = (name: string, settings: Record<string, unknown> = {}) =>
  created('/api/v1/notification-channels', {
    name,
    kind: 'email',
    settings: {
      servers: [{ host: '127.0.0.1', port: smtp.port, tls: 'none' }],
      from: 'scom@contoso.com',
      authentication: 'anonymous',
      ...settings,
    },
  });

const subscriber = (name: string, address: string) =>
  created('/api/v1/notification-subscribers', {
    name,
    addresses: [{ name: 'mail', kind: 'email', address }],
  });

async function subscription(name: string, to: string[], channelId: string, extra: object = {}) {
  const id = await created('/api/v1/notification-subscriptions', {
    name,
    to,
    channelIds: [channelId],
    ...extra,
  });
  made.push(id);
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  smtp = await startSmtp();
  // The notifier starts from now: this first round sets where it reads alert changes from.
  await round();
});
afterEach(async () => {
  for (const id of made.splice(0))
    expect(
      (await api('PATCH', `/api/v1/notification-subscriptions/${id}`, { enabled: false })).statusCode,
    ).toBe(200);
  smtp.mails.length = 0;
});
afterAll(async () => {
  await smtp?.close();
  await t?.close();
});

describe('one message per address and change', () => {
  it('two subscriptions reaching one address send one mail naming both; another address gets its own', async () => {
    const ch = await mailChannel('Shared mail');
    const night = await subscriber('Night desk', 'ops-shared@contoso.com');
    const day = await subscriber('Day desk', 'ops-shared@contoso.com');
    const dba = await subscriber('Database team', 'dba@contoso.com');
    const critical = await subscription('Critical alerts', [night], ch);
    const network = await subscription('Équipe réseau', [day, dba], ch, { bcc: [night] });
    await round();

    const alertId = await created('/api/v1/alerts', { name: 'Link down', severity: 'critical' });
    await round();

    const shared = mailTo('ops-shared@contoso.com');
    expect(shared).toHaveLength(1);
    const raw = shared[0]!.headers.get('x-steward-subscriptions')!;
    // Sent as ASCII (RFC 2047 encoded words), read back as both names, in the order they were queued.
    expect(raw).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeWords(raw)).toBe('"Critical alerts", "Équipe réseau"');
    // To through one subscription, Bcc through the other: the mail shows the address as To.
    expect(shared[0]!.headers.get('to')).toBe('ops-shared@contoso.com');
    const other = mailTo('dba@contoso.com');
    expect(other).toHaveLength(1);
    expect(decodeWords(other[0]!.headers.get('x-steward-subscriptions')!)).toBe('"Équipe réseau"');

    const made = await deliveries(`alert=${alertId}`);
    expect(made.map((d) => d.address).sort()).toEqual(['dba@contoso.com', 'ops-shared@contoso.com']);
    const one = made.find((d) => d.address === 'ops-shared@contoso.com')!;
    expect(one).toMatchObject({ status: 'sent', subscriptionId: critical });
    expect(one.subscriptionIds).toEqual([critical, network]);
    // Each subscription finds the delivery it shares.
    expect((await deliveries(`subscription=${network}`)).map((d) => d.id).sort()).toEqual(
      made.map((d) => d.id).sort(),
    );
  });

  it('two servers deciding the same alert change at once make one delivery, even while they see the subscriptions differently', async () => {
    const ch = await mailChannel('Mail decided twice');
    const ops = await subscriber('Operations twice', 'ops-twice@contoso.com');
    const dba = await subscriber('DBA twice', 'ops-twice@contoso.com');
    await subscription('Twice B', [dba], ch);
    await round();

    // Two more members of the pool, each deciding on its own: nothing they share but the database.
    const root = t.rootKey;
    const keyring = createKeyring({ current: () => root, find: (id) => (id === root.id ? root : undefined) });
    const db = t.database.db;
    const member = (serverId: string) =>
      createNotifier({
        db,
        serverId,
        serverName: serverId,
        alerts: createAlertsService({ db }),
        resolution: t.app.resolution,
        credentials: createPoolCredentials({
          db,
          serverId,
          accounts: createAccountsService({ db, keyring }),
          resolution: t.app.resolution,
        }),
        drivers: channelDrivers,
        liveServers: async () => [],
        log: { info() {}, warn() {}, error() {} },
      });
    const [a, b] = [member('srv_decide_a'), member('srv_decide_b')];
    // B has read the subscriptions for an earlier alert; the second one comes after, and this server reads its
    // change: B still knows only "Twice B" and makes its delivery for that one, A for both.
    await created('/api/v1/alerts', { name: 'Seen by B', severity: 'warning' });
    expect((await b.evaluate()).queued).toBe(1);
    await subscription('Twice A', [ops], ch);
    await round();

    const alertId = await created('/api/v1/alerts', { name: 'Decided twice', severity: 'warning' });
    const [fromA, fromB] = await Promise.all([a.evaluate(), b.evaluate()]);
    // Both read the change and queued its one message; the database kept one.
    expect([fromA.queued, fromB.queued]).toEqual([1, 1]);
    expect(await deliveries(`alert=${alertId}`)).toHaveLength(1);

    await round();
    expect(subjects(mailTo('ops-twice@contoso.com'))).toEqual([
      'Alert: Seen by B Resolution state: New',
      'Alert: Decided twice Resolution state: New',
    ]);
  });

  it('a subscription whose delay ends later does not mail again an address already told of that change', async () => {
    const ch = await mailChannel('Mail now and later');
    const ops = await subscriber('Operations now', 'ops-later@contoso.com');
    const now = await subscription('At once', [ops], ch);
    const later = await subscription('After a second', [ops], ch, { delaySeconds: 1 });
    await round();

    const alertId = await created('/api/v1/alerts', { name: 'Told once', severity: 'warning' });
    await round();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await round();

    expect(mailTo('ops-later@contoso.com')).toHaveLength(1);
    const made = await deliveries(`alert=${alertId}`);
    expect(made.map((d) => [d.subscriptionIds, d.status])).toEqual([[[now], 'sent']]);
    expect(await deliveries(`subscription=${later}`)).toHaveLength(0);
  });

  it('a subscription name cannot inject a header with CR or LF', async () => {
    const ch = await mailChannel('Mail with a crafted name');
    const ops = await subscriber('Operations crafted', 'ops-crafted@contoso.com');
    await subscription('Night shift\r\nBcc: thief@evil.example\r\nX-Injected: "yes"\\', [ops], ch);
    await round();

    await created('/api/v1/alerts', { name: 'Crafted', severity: 'warning' });
    await round();

    const got = mailTo('ops-crafted@contoso.com');
    expect(got).toHaveLength(1);
    expect(got[0]!.rcptTo).toEqual(['ops-crafted@contoso.com']);
    expect(got[0]!.headerNames).not.toContain('x-injected');
    expect(got[0]!.headerNames).not.toContain('bcc');
    expect(decodeWords(got[0]!.headers.get('x-steward-subscriptions')!)).toBe(
      '"Night shift Bcc: thief@evil.example X-Injected: \\"yes\\"\\\\"',
    );
    expect(smtp.mails.flatMap((m) => m.rcptTo)).not.toContain('thief@evil.example');
  });
});

describe('each change as it was', () => {
  it('an alert raised, repeated, changed and closed before the notifier looks sends each state in order', async () => {
    const ch = await mailChannel('Mail of every state', {
      subject:
        '$Data/Context/DataItem/AlertName$ | $Data/Context/DataItem/ResolutionStateName$ | ' +
        "owner=$Data[Default='none']/Context/DataItem/Owner$ | priority=$Data/Context/DataItem/Priority$ | " +
        "custom1=$Data[Default='none']/Context/DataItem/Custom1$ | repeats=$Data/Context/DataItem/RepeatCount$",
      body:
        'modified=$Data/Context/DataItem/LastModified$\n' +
        "resolved=$Data[Default='never']/Context/DataItem/TimeResolved$\n" +
        'severity=$Data/Context/DataItem/Severity$\n',
    });
    const ops = await subscriber('Operations history', 'ops-history@contoso.com');
    await subscription('Every change, history', [ops], ch);
    await round();

    const raise = { name: 'Replay', severity: 'warning', priority: 'low', dedupeKey: 'replay-history' };
    const alertId = await created('/api/v1/alerts', raise);
    const raised = (await api('GET', `/api/v1/alerts/${alertId}`)).json();
    // A repeat changes the count (and the severity) but notifies nobody (R45); the next change shows it.
    expect((await api('POST', '/api/v1/alerts', { ...raise, severity: 'critical' })).statusCode).toBe(200);
    // LastModified has whole seconds: the change comes a second later, so each mail can show its own.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const changed = await api('PATCH', `/api/v1/alerts/${alertId}`, {
      owner: 'CONTOSO\\jdoe',
      priority: 'high',
      custom: { '1': 'INC42' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await api('PATCH', `/api/v1/alerts/${alertId}`, { resolutionState: 255 })).statusCode).toBe(200);
    const closed = (await api('GET', `/api/v1/alerts/${alertId}`)).json();
    await round();

    const sent = mailsOf(await deliveries(`alert=${alertId}`));
    expect(subjects(sent)).toEqual([
      'Replay | New | owner=none | priority=Low | custom1=none | repeats=0',
      'Replay | New | owner=CONTOSO\\jdoe | priority=High | custom1=INC42 | repeats=1',
      'Replay | Closed | owner=CONTOSO\\jdoe | priority=High | custom1=INC42 | repeats=1',
    ]);
    const at = (iso: string) => `${iso.slice(0, 19)}Z`;
    expect(sent.map((m) => m.body.trim().split(/\r?\n/))).toEqual([
      [`modified=${at(raised.lastModified)}`, 'resolved=never', 'severity=Warning'],
      [`modified=${at(changed.json().lastModified)}`, 'resolved=never', 'severity=Critical'],
      [`modified=${at(closed.lastModified)}`, `resolved=${at(closed.timeResolved)}`, 'severity=Critical'],
    ]);
    expect(at(raised.lastModified)).not.toBe(at(changed.json().lastModified));
  });

  it('a subscription to new alerts hears of one that was closed before the notifier looked', async () => {
    const ch = await mailChannel('Mail of new alerts');
    const ops = await subscriber('Operations new only', 'ops-new@contoso.com');
    await subscription('New alerts only', [ops], ch, { criteria: { resolutionStates: [0] } });
    await round();

    const alertId = await created('/api/v1/alerts', { name: 'Flapping', severity: 'critical' });
    expect((await api('PATCH', `/api/v1/alerts/${alertId}`, { resolutionState: 255 })).statusCode).toBe(200);
    await round();

    expect(subjects(mailTo('ops-new@contoso.com'))).toEqual(['Alert: Flapping Resolution state: New']);
  });
});
