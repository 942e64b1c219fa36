// Proves notifications survive a mail outage, with a real server process and a real SMTP server on loopback:
// the SMTP server is stopped while alerts are raised, for more failed attempts than the old five-attempt dead
// letter allowed; the channel pauses (an alert and /metrics say so), nothing dies, and when the SMTP server
// comes back on the same port every notification arrives once, the oldest first, and the alert is resolved.
import { afterEach, describe, expect, it } from 'vitest';
import { builtInPoolIds } from '../../src/contract/inventory.js';
import {
  api,
  freePort,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from '../support/server-process.js';
import { type Smtp, startSmtp } from '../support/smtp-server.js';

const PASSWORD = 'notify outage admin password';
const ALERTS = 6;

interface Delivery {
  alertId: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

interface Alert {
  id: string;
  name: string;
  resolutionState: number;
  custom: Record<string, string>;
}

describe('an SMTP outage longer than the old dead-letter time', () => {
  let server: ServerProcess | undefined;
  let smtp: Smtp | undefined;

  afterEach(async () => {
    await server?.stop('SIGKILL');
    await smtp?.close();
  });

  it('pauses the channel, loses nothing, and sends every notification once, oldest first, when mail is back', async () => {
    const port = await freePort();
    server = await startServer({
      env: { STEWARD_LOG_LEVEL: 'info', STEWARD_NOTIFY_PROBE_MAX_SECONDS: '1' },
    });
    const url = server.url;
    const token = await signInAsBootstrapAdmin(url, await oneTimePasswordOf(server), PASSWORD);
    const post = async (path: string, body: unknown) => {
      const res = await api<{ id: string }>(url, 'POST', path, { token, body });
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(201);
      return res.body.id;
    };
    const get = async <T>(path: string) => {
      const res = await api<T>(url, 'GET', path, { token });
      expect(res.status).toBe(200);
      return res.body;
    };

    // The SMTP server is down from the start: nothing listens on its port.
    const channel = await post('/api/v1/notification-channels', {
      name: 'Operations mail',
      kind: 'email',
      settings: {
        servers: [{ host: '127.0.0.1', port, tls: 'none' }],
        from: 'steward@contoso.com',
        authentication: 'anonymous',
      },
    });
    const subscriber = await post('/api/v1/notification-subscribers', {
      name: 'Operations',
      addresses: [{ name: 'mail', kind: 'email', address: 'ops@contoso.com' }],
    });
    const subscription = await post('/api/v1/notification-subscriptions', {
      name: 'Outage',
      criteria: { text: [{ field: 'name', op: 'like', value: 'Outage *' }] },
      to: [subscriber],
      channelIds: [channel],
    });
    // The notifier notifies alert changes from its start on.

    await server.waitForStdout(/notifier started/, 20_000);

    const alertIds: string[] = [];
    for (let i = 1; i <= ALERTS; i++) {
      alertIds.push(await post('/api/v1/alerts', { name: `Outage ${i}`, severity: 'critical' }));
      await new Promise((r) => setTimeout(r, 300));
    }
    const deliveries = async () =>
      (
        await get<{ items: Delivery[] }>(
          `/api/v1/notification-deliveries?subscription=${subscription}&limit=1000`,
        )
      ).items;

    // Paused: its alert is open and /metrics shows it.
    await expect
      .poll(
        async () =>
          (await get<{ health: { state: string } }>(`/api/v1/notification-channels/${channel}`)).health.state,
        {
          timeout: 20_000,
        },
      )
      .toBe('paused');
    const pausedAlert = async () =>
      (
        await get<{ items: Alert[] }>(
          `/api/v1/alerts?sourceObject=${builtInPoolIds.notifications}&state=all&limit=1000`,
        )
      ).items.find((a) => a.name === 'Notification channel paused' && a.custom['1'] === channel);
    await expect.poll(async () => (await pausedAlert())?.resolutionState, { timeout: 10_000 }).toBe(0);
    const metrics = async () => (await fetch(`${url}/metrics`)).text();
    expect(await metrics()).toMatch(
      new RegExp(`steward_notification_channel_paused\\{channel_id="${channel}",cause="unreachable"\\} 1`),
    );

    // The first failure and five probes: more tries than the five after which a delivery used to die.
    await expect
      .poll(
        async () =>
          (await get<{ health: { failedProbes?: number } }>(`/api/v1/notification-channels/${channel}`))
            .health.failedProbes ?? 0,
        { timeout: 30_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(5);
    const waiting = await deliveries();
    expect(waiting).toHaveLength(ALERTS);
    expect(waiting.map((d) => d.status)).toEqual(Array(ALERTS).fill('pending'));

    // Mail is back, on the same port.
    smtp = await startSmtp({ port });
    const received = smtp.mails;
    expect(smtp.port).toBe(port);
    await expect.poll(() => received.length, { timeout: 30_000, interval: 200 }).toBe(ALERTS);

    await new Promise((r) => setTimeout(r, 1500));

    expect(received).toHaveLength(ALERTS);
    expect(new Set(received.map((m) => m.headers.get('message-id'))).size).toBe(ALERTS);
    // The probe, alone, is the oldest; the rest follow it.
    expect(received[0]!.headers.get('subject')).toContain('Outage 1 ');
    expect(received.map((m) => /Outage (\d+) /.exec(m.headers.get('subject') ?? '')?.[1]).sort()).toEqual(
      alertIds.map((_, i) => String(i + 1)).sort(),
    );
    expect((await deliveries()).map((d) => d.status)).toEqual(Array(ALERTS).fill('sent'));
    expect((await pausedAlert())?.resolutionState).toBe(255);
    expect(
      (await get<{ health: { state: string } }>(`/api/v1/notification-channels/${channel}`)).health,
    ).toEqual({ state: 'ok' });
    expect(await metrics()).not.toContain(`steward_notification_channel_paused{channel_id="${channel}"`);
  }, 120_000);
});
