// Proves `steward notify` end to end with real processes (server, CLI) and a real SMTP server on loopback: a
// channel, a subscriber and a subscription made with the CLI carry an alert raised through the API to the
// mailbox, sent by the server's own notifier; `notify deliveries` lists the mail as sent and the address the
// SMTP server refused as a dead letter with its reason; and the refusals exit with their codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../support/server-process.js';
import { type Mail, type Smtp, startSmtp } from '../support/smtp-server.js';
import { createPostgresDatabase } from '../support/test-database.js';
import { testDatabaseUrl } from '../support/test-db-target.js';

let server: ServerProcess;
let token: string;
let smtp: Smtp;
let dropDatabase: (() => Promise<void>) | undefined;

/** The mailbox the SMTP server refuses (550) until it is restored. */
const REFUSED = 'nobody@contoso.com';

const steward = (args: string[], as = token) =>
  runCliProcess(args, {
    HOME: tempDir('steward-cli-notify-home-'),
    STEWARD_URL: server.url,
    STEWARD_TOKEN: as,
  });

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await steward([...args, '--json']);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const subjectOf = (m: Mail) => m.headers.get('subject') ?? '';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\nserver log:\n${server.stdout()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function raise(name: string): Promise<string> {
  const r = await api<{ id: string }>(server.url, 'POST', '/api/v1/alerts', {
    token,
    body: { name, severity: 'critical', description: 'raised by the notification end-to-end test' },
  });
  expect(r.status).toBe(201);
  return r.body.id;
}

interface Delivery {
  id: string;
  alertId: string;
  address: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

const deliveriesOf = async (alertId: string) =>
  (await json<{ items: Delivery[] }>(['notify', 'deliveries', '--alert', alertId])).items;

beforeAll(async () => {
  assertCliBuilt();
  smtp = await startSmtp();
  smtp.refused.add(REFUSED);

  let env: Record<string, string> = {};
  if (testDatabaseUrl) {
    const d = await createPostgresDatabase();
    dropDatabase = d.drop;
    env = { DATABASE_URL: d.url };
  }
  server = await startServer({ env });
  token = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), 'e2e notify password 4');
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
  await dropDatabase?.();
});

describe('steward notify', { timeout: 90_000 }, () => {
  it('sets up e-mail notification with four commands, delivers an alert, and lists the delivery and the dead letter', async () => {
    const settings = JSON.stringify({
      servers: [{ host: '127.0.0.1', port: smtp.port, tls: 'none' }],
      from: 'steward@contoso.com',
      authentication: 'anonymous',
    });
    const created = await steward([
      'notify',
      'channel',
      'create',
      'Mail relay',
      '--kind',
      'email',
      '--settings',
      settings,
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const channelId = /\((chan_[a-z0-9]+)\)/.exec(created.stdout)?.[1];
    expect(created.stdout).toBe(`Created email channel Mail relay (${channelId}).\n`);

    const subscriber = await json<{ id: string; addresses: unknown[] }>([
      'notify',
      'subscriber',
      'create',
      'Operations',
      '--email',
      'ops@contoso.com',
      '--email',
      REFUSED,
    ]);
    expect(subscriber.addresses).toHaveLength(2);
    const subscription = await json<{ id: string; criteria: unknown }>([
      'notify',
      'subscription',
      'create',
      'Critical alerts',
      '--to',
      subscriber.id,
      '--channel',
      channelId!,
      '--severity',
      'critical',
    ]);
    expect(subscription.criteria).toEqual({ severities: ['critical'] });

    const channels = await steward(['notify', 'channel', 'list']);
    expect(channels.stdout).toMatch(
      new RegExp(
        `${channelId}\\s+Mail relay\\s+email\\s+yes\\s+-\\s+127\\.0\\.0\\.1:${smtp.port} from steward@contoso\\.com`,
      ),
    );
    const subscribers = await steward(['notify', 'subscriber', 'list']);
    expect(subscribers.stdout).toContain(`email:ops@contoso.com, email:${REFUSED}`);
    const subscriptions = await steward(['notify', 'subscription', 'list']);
    expect(subscriptions.stdout).toMatch(/Critical alerts\s+yes\s+severity critical/);

    // The notifier follows alert changes from when it first ran: wait until it carries one, then start clean.
    await until(
      'the notifier to deliver a first alert',
      async () => {
        await raise('Notifier warm-up');
        await new Promise((r) => setTimeout(r, 1000));
        return smtp.mails.some((m) => subjectOf(m).includes('Notifier warm-up')) ? true : undefined;
      },
      30_000,
    );
    // Every warm-up delivery ends (the refused mailbox's as a dead letter) before the time the test looks from.
    await until('the warm-up deliveries to end', async () => {
      const items = (await json<{ items: Delivery[] }>(['notify', 'deliveries'])).items;
      return items.every((d) => ['sent', 'dead'].includes(d.status)) ? true : undefined;
    });
    smtp.mails.length = 0;

    const raisedAt = new Date().toISOString();
    const alertId = await raise('Disk full');
    const mail = await until('the mail of the alert', async () =>
      smtp.mails.find((m) => subjectOf(m).includes('Disk full')),
    );
    expect(mail.mailFrom).toBe('steward@contoso.com');
    expect(mail.rcptTo).toEqual(['ops@contoso.com']);
    expect(subjectOf(mail)).toBe('Alert: Disk full Resolution state: New');

    const done = await until('both deliveries to end', async () => {
      const items = await deliveriesOf(alertId);
      return items.length === 2 && items.every((d) => ['sent', 'dead'].includes(d.status))
        ? items
        : undefined;
    });
    expect(done.map((d) => [d.address, d.status, d.attempts]).sort()).toEqual([
      [REFUSED, 'dead', 1],
      ['ops@contoso.com', 'sent', 1],
    ]);
    expect(done.find((d) => d.status === 'dead')?.lastError).toMatch(/550/);
    expect(smtp.mails.filter((m) => subjectOf(m).includes('Disk full'))).toHaveLength(1);

    const table = await steward(['notify', 'deliveries', '--alert', alertId]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/STATUS\s+ATTEMPTS\s+ALERT\s+SUBSCRIPTION\s+ADDRESS\s+LAST ERROR/);
    expect(table.stdout).toMatch(
      new RegExp(`sent\\s+1\\s+${alertId}\\s+${subscription.id}\\s+ops@contoso\\.com`),
    );
    const dead = await steward(['notify', 'deliveries', '--status', 'dead', '--alert', alertId]);
    expect(dead.code).toBe(0);
    expect(dead.stdout).toMatch(
      new RegExp(`dead\\s+1\\s+${alertId}\\s+${subscription.id}\\s+nobody@contoso\\.com\\s+.*550`),
    );
    expect(dead.stdout).not.toContain('ops@contoso.com');

    // The mailbox is back: the dead letter is sent again; the mail that was sent is not.
    const deadId = done.find((d) => d.status === 'dead')!.id;
    const sentId = done.find((d) => d.status === 'sent')!.id;
    const dry = await json<{ items: { id: string }[]; resent: number }>([
      'notify',
      'resend',
      '--status',
      'dead',
      '--since',
      raisedAt,
      '--dry-run',
    ]);
    expect(dry.items.map((d) => d.id)).toEqual([deadId]);
    expect(dry.resent).toBe(0);
    // The mailbox is restored.
    smtp.refused.delete(REFUSED);
    const again = await steward(['notify', 'resend', deadId, sentId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${sentId} (sent) not sent again: it was sent`);
    await until('the dead letter to arrive once sent again', async () =>
      smtp.mails.find((m) => m.rcptTo.includes(REFUSED) && subjectOf(m).includes('Disk full')),
    );
    const after = await deliveriesOf(alertId);
    expect(after.map((d) => [d.address, d.status]).sort()).toEqual([
      [REFUSED, 'sent'],
      ['ops@contoso.com', 'sent'],
    ]);
    expect(
      smtp.mails.filter((m) => m.rcptTo.includes('ops@contoso.com') && subjectOf(m).includes('Disk full')),
    ).toHaveLength(1);

    // What a subscription uses cannot go; once it is gone, everything can.
    const inUse = await steward(['notify', 'channel', 'delete', channelId!]);
    expect(inUse.code).toBe(7);
    expect(inUse.stderr).toContain('Critical alerts');
    expect((await steward(['notify', 'subscription', 'delete', subscription.id])).stdout).toBe(
      `Deleted subscription ${subscription.id}.\n`,
    );
    expect((await steward(['notify', 'subscriber', 'delete', subscriber.id])).code).toBe(0);
    expect((await steward(['notify', 'channel', 'delete', channelId!])).code).toBe(0);
    expect((await json<{ items: unknown[] }>(['notify', 'channel', 'list'])).items).toEqual([]);
  });

  it('exits with the code of each refusal: bad input 2, not allowed 4, not found 5, name taken 6', async () => {
    const bad = await steward([
      'notify',
      'channel',
      'create',
      'Broken',
      '--kind',
      'email',
      '--settings',
      '{"from":"x"}',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('body.settings');

    const first = 'e2e operator first password 7';
    const user = await api(server.url, 'POST', '/api/v1/users', {
      token,
      body: { username: 'oper', displayName: 'Operator', role: 'operator', password: first },
    });
    expect(user.status).toBe(201);
    const login = await api<{ token: string }>(server.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'oper', password: first },
    });
    const operator = login.body.token;
    const changed = await api(server.url, 'POST', '/api/v1/me/password', {
      token: operator,
      body: { currentPassword: first, newPassword: 'e2e operator own password 8' },
    });
    expect(changed.status).toBe(200);
    const refused = await steward(
      [
        'notify',
        'channel',
        'create',
        'Mine',
        '--kind',
        'command',
        '--settings',
        '{"applicationPath":"/bin/true"}',
      ],
      operator,
    );
    expect(refused.code).toBe(4);
    const own = await steward(
      ['notify', 'subscriber', 'create', 'Mine', '--email', 'me@contoso.com'],
      operator,
    );
    expect(own.stderr).toBe('');
    expect(own.code).toBe(0);
    const again = await steward(
      ['notify', 'subscriber', 'create', 'Mine', '--email', 'me@contoso.com'],
      operator,
    );
    expect(again.code).toBe(6);

    const missing = await steward(['notify', 'channel', 'show', 'chan_nosuch']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('NOT_FOUND');
  });
});
