// Proves the Notifications Resource Pool fails over mid-stream: two real servers on one PostgreSQL database, the
// member sending a storm of alert e-mails is killed, and the other finishes it — no mail twice, none lost.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInPoolIds } from '../../src/contract/inventory.js';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from '../support/server-process.js';
import { type Smtp, startSmtp } from '../support/smtp-server.js';
import { createRequiredPostgresDatabase } from '../support/test-database.js';

const PASSWORD = 'notify failover admin password';
const ALERTS = 150;
const ADDRESSES = ['ops-one@contoso.com', 'ops-two@contoso.com'];
const TOTAL = ALERTS * ADDRESSES.length;
/** How long the SMTP server holds its reply to each message: the stream then takes a few seconds. */
const REPLY_DELAY_MS = 40;

interface Delivery {
  id: string;
  alertId: string;
  address: string;
  status: string;
}

/** One entry per recipient of each mail the SMTP server took in. */
const receivedOf = (smtp: Smtp) =>
  smtp.mails.flatMap((m) =>
    m.rcptTo.map((rcpt) => ({
      messageId: m.headers.get('message-id') ?? '',
      rcpt,
      subject: m.headers.get('subject') ?? '',
    })),
  );

describe('the notifying member of the Notifications Resource Pool killed mid-stream', () => {
  let database: { url: string; drop: () => Promise<void> };
  let running: ServerProcess[] = [];
  let smtp: Smtp;

  beforeEach(async () => {
    database = await createRequiredPostgresDatabase();
    // It holds each reply a while, so the stream takes a few seconds; the killed sender's connections end with
    // a reset, which the server shrugs off.
    smtp = await startSmtp({ replyDelayMs: REPLY_DELAY_MS });
  });

  afterEach(async () => {
    for (const s of running) await s.stop('SIGKILL');
    running = [];
    await smtp.close();
    await database.drop();
  });

  const start = async (name: string) => {
    const s = await startServer({
      env: {
        DATABASE_URL: database.url,
        STEWARD_SERVER_NAME: name,
        STEWARD_LOG_LEVEL: 'warn',
        STEWARD_HEARTBEAT_SECONDS: '1',
        STEWARD_SERVER_TIMEOUT_SECONDS: '3',
        STEWARD_POOL_LEASE_SECONDS: '3',
      },
    });
    running.push(s);
    return s;
  };

  const query = async <T>(text: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  };

  it('has the survivor finish the stream: every mail once or marked unknown, none twice, none left behind', async ({
    annotate,
  }) => {
    const a = await start('server-a');
    const token = await signInAsBootstrapAdmin(a.url, await oneTimePasswordOf(a), PASSWORD);
    const b = await start('server-b');

    const channel = await api<{ id: string }>(a.url, 'POST', '/api/v1/notification-channels', {
      token,
      body: {
        name: 'Failover mail',
        kind: 'email',
        settings: {
          servers: [{ host: '127.0.0.1', port: smtp.port, tls: 'none' }],
          from: 'steward@contoso.com',
          authentication: 'anonymous',
          subject: 'storm $Data/Context/DataItem/AlertId$',
        },
      },
    });
    expect(channel.status).toBe(201);
    const subscriber = await api<{ id: string }>(a.url, 'POST', '/api/v1/notification-subscribers', {
      token,
      body: {
        name: 'Operations',
        addresses: ADDRESSES.map((address, i) => ({ name: `mail ${i + 1}`, kind: 'email', address })),
      },
    });
    expect(subscriber.status).toBe(201);
    const subscription = await api<{ id: string }>(a.url, 'POST', '/api/v1/notification-subscriptions', {
      token,
      body: {
        name: 'Storm',
        // Only the storm: alerts the servers raise about themselves meanwhile are not counted.
        criteria: { text: [{ field: 'name', op: 'like', value: 'Failover storm *' }] },
        to: [subscriber.body.id],
        channelIds: [channel.body.id],
      },
    });
    expect(subscription.status).toBe(201);

    // The holder's notifier has started (its cursor is set): alerts raised from here on are notified.
    await expect
      .poll(async () => (await query('SELECT 1 FROM notifier_cursor')).length, { timeout: 20_000 })
      .toBe(1);
    const holderId = async () =>
      (
        await query<{ server_id: string }>('SELECT server_id FROM pool_leases WHERE pool_id = $1', [
          builtInPoolIds.notifications,
        ])
      )[0]?.server_id;
    const servers = await api<{ items: { id: string; name: string }[] }>(a.url, 'GET', '/api/v1/servers', {
      token,
    });
    const nameOf = (id: string | undefined) => servers.body.items.find((s) => s.id === id)?.name;
    const first = nameOf(await holderId());
    expect(['server-a', 'server-b']).toContain(first);
    const [dying, survivor] = first === 'server-a' ? [a, b] : [b, a];

    // The storm, raised through the survivor as fast as it takes them, 16 at a time.
    const alertIds: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < ALERTS; i = next++) {
          const res = await api<{ id: string }>(survivor.url, 'POST', '/api/v1/alerts', {
            token,
            body: { name: `Failover storm ${i}`, severity: 'critical', priority: 'high' },
          });
          expect(res.status).toBe(201);
          alertIds.push(res.body.id);
        }
      }),
    );
    expect(new Set(alertIds).size).toBe(ALERTS);

    // Killed once some of the mail has gone out, but far from all.
    await expect
      .poll(() => receivedOf(smtp).length, { timeout: 30_000, interval: 10 })
      .toBeGreaterThan(TOTAL / 5);
    await dying.stop('SIGKILL');
    const killedAt = Date.now();
    const atKill = receivedOf(smtp).length;
    expect(atKill).toBeLessThan(TOTAL);

    const deliveries = async () => {
      const res = await api<{ items: Delivery[] }>(
        survivor.url,
        'GET',
        `/api/v1/notification-deliveries?subscription=${subscription.body.id}&limit=1000`,
        { token },
      );
      expect(res.status).toBe(200);
      return res.body.items;
    };
    const unfinished = (items: Delivery[]) =>
      items.filter((d) => ['pending', 'claimed', 'sending', 'retry'].includes(d.status)).length;
    await expect.poll(async () => unfinished(await deliveries()), { timeout: 60_000, interval: 250 }).toBe(0);
    const finishedMs = Date.now() - killedAt;
    // A moment more, so a stray late send would show up.
    await new Promise((r) => setTimeout(r, 1500));
    const items = await deliveries();

    // Every (alert, address) has one delivery, and it ended sent or unknown.
    expect(items).toHaveLength(TOTAL);
    expect(new Set(items.map((d) => `${d.alertId} ${d.address}`)).size).toBe(TOTAL);
    expect(new Set(items.map((d) => d.alertId))).toEqual(new Set(alertIds));
    expect(items.filter((d) => d.status !== 'sent' && d.status !== 'unknown')).toEqual([]);
    const sent = items.filter((d) => d.status === 'sent');
    const unknown = items.filter((d) => d.status === 'unknown');
    // Only what the killed member had in hand at that instant: its 16 concurrent sends, and the messages sent
    // whose record was not written yet — recorded 32 at a time, one record statement under way and the next
    // 32 gathering meanwhile.
    expect(unknown.length).toBeLessThanOrEqual(16 + 2 * 32);

    // No mail twice: no Message-ID, and no (alert, address), received more than once.
    const received = receivedOf(smtp);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(received.length);
    const key = (m: (typeof received)[number]) => `${m.subject.replace(/^storm /, '')} ${m.rcpt}`;
    expect(new Set(received.map(key)).size).toBe(received.length);
    // Each mail is the one of its delivery: its Message-ID names the delivery, with the same alert and address.
    const byMessageId = new Map(items.map((d) => [`<${d.id}@steward>`, d]));
    for (const m of received) {
      const d = byMessageId.get(m.messageId);
      expect(d, `mail ${m.messageId} has no delivery`).toBeDefined();
      expect(`${d!.alertId} ${d!.address}`).toBe(key(m));
    }
    // Every sent delivery arrived; an unknown one arrived at most once (it may have been all but acknowledged).
    const got = new Set(received.map((m) => m.messageId));
    for (const d of sent) expect(got.has(`<${d.id}@steward>`)).toBe(true);
    const unknownReceived = unknown.filter((d) => got.has(`<${d.id}@steward>`)).length;
    // Nothing lost: what did not arrive is listed unknown.
    expect(received.length + (unknown.length - unknownReceived)).toBe(TOTAL);
    // The survivor holds the pool now, and sent the rest.
    expect(nameOf(await holderId())).toBe(first === 'server-a' ? 'server-b' : 'server-a');
    expect(received.length).toBeGreaterThan(atKill);
    await annotate(
      `${TOTAL} mails: ${atKill} received before the kill, ${received.length} in all; ${unknown.length} ` +
        `unknown (${unknownReceived} of them received); finished ${finishedMs} ms after the kill`,
    );
  }, 150_000);
});
