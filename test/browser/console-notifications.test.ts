// Proves the console's Alerts, Notifications and Administration pages in a real Chromium against a real
// `steward server` process: the external-mail walkthrough of the seed documents done in the console (a Simple
// Authentication account distributed to the Notifications Resource Pool, a new profile in Notifications Internal
// Library associated with the class Alert Notification Subscription server, then with one object found by a
// search on the server beyond the first page of objects and named, not shown by its id, in the wizard, an e-mail
// channel signing in with that profile, a subscriber, a subscription), after which an alert raised through the
// API reaches a real SMTP server on loopback signed in as the account; a dead letter sent again from the
// Deliveries tab; the weekly schedule editor worked with the keyboard; an address given its own weekly hours in
// the subscriber dialog and changed later, its write-only Teams neighbour kept; an alert closed from its page;
// users, a token shown once, the audit log and its chain; a read-only operator who sees no action and is refused
// (403) when forcing one. Every API answer is scanned for secrets; axe checks the pages.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activateUser,
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
} from '../support/server-process.js';
import { type Smtp, startSmtp } from '../support/smtp-server.js';
import {
  type ApiAnswer,
  type ConsoleStage,
  type ErrorBody,
  forcedFromPage,
  screenshot,
  seriousViolations,
  signedInPage,
  startConsoleStage,
} from './browser.js';

const ADMIN_PASSWORD = 'notifications admin password 1';
const READER_PASSWORD = 'notifications reader password 1';
const READER_ONE_TIME = 'reader one-time password 2';
const MAILBOX = 'alerts@outlook.example';
const MAIL_PASSWORD = 'Outl00k-Ext3rnal!console';
const PARTNER = 'desk@partner.example';
/** A Teams webhook: its path is its key, written and never read back. */
const TEAMS_WEBHOOK = 'https://contoso.webhook.office.com/webhookb2/ops-desk-key-4711';
const NIL = 'Microsoft.SystemCenter.Notifications.Internal';
const SECRET_KEYS =
  /^(password|passphrase|privateKey|privateKeyPem|sshPrivateKey|suPassword|communityString|dataBase64|authKey|privacyKey|token)$/;

let server: ServerProcess;
let smtp: Smtp;
let stage: ConsoleStage | undefined;
let adminToken = '';
let bootstrapPassword = '';
/** The API token created in the console: shown once, in the answer that made it and nowhere else. */
let issuedToken = '';
const answers: ApiAnswer[] = [];
const a11y: { page: string; violations: unknown[] }[] = [];
/** The user actions of the walkthrough: Run As part (SCOM: 21 steps), then channel, subscriber, subscription. */
const steps = { runAs: 0, notify: 0 };

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(server.url, method, path, { token: adminToken, body });

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server } = stage);
  smtp = await startSmtp({ users: { [MAILBOX]: MAIL_PASSWORD } });
  bootstrapPassword = await oneTimePasswordOf(server);
  adminToken = await signInAsBootstrapAdmin(server.url, bootstrapPassword, ADMIN_PASSWORD);
}, 120_000);

afterAll(async () => {
  await stage?.close();
  await smtp?.close();
});

const signedIn = (username: string, password: string) =>
  signedInPage(stage, username, password, (a) => answers.push(a));

const check = async (page: Page, name: string) => {
  await screenshot(page, `notifications-${name}`);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** One user action of the walkthrough, counted. */
const act = <T>(part: keyof typeof steps, action: Promise<T>) => {
  steps[part]++;
  return action;
};

describe('the Alerts, Notifications and Administration pages of the web console', () => {
  let admin: Page;
  let accountId = '';
  let channelId = '';

  it('walks the external-mail setup of the seed in the console: account, pool, profile in Notifications Internal Library, class association', async () => {
    admin = await signedIn('admin', ADMIN_PASSWORD);
    const run = <T>(a: Promise<T>) => act('runAs', a);
    await run(admin.getByRole('button', { name: 'Create Run As Account' }).click());
    const wizard = admin.getByRole('dialog', { name: 'Create Run As Account' });
    await run(wizard.getByLabel('Run As account type').selectOption({ label: 'Simple Authentication' }));
    await run(wizard.getByLabel('Display name').fill('External mailbox'));
    await run(wizard.getByRole('button', { name: 'Next' }).click());
    await run(wizard.getByLabel('User name').fill(MAILBOX));
    await run(wizard.getByLabel('Password', { exact: true }).fill(MAIL_PASSWORD));
    await run(wizard.getByRole('button', { name: 'Next' }).click());
    await run(wizard.getByLabel('Choose Notifications Resource Pool').check());
    await run(wizard.getByRole('button', { name: 'Create' }).click());

    await admin.waitForURL(/\/run-as\/accounts\/acct_[^?]+\?tab=distribution$/);
    accountId = /accounts\/(acct_[^?]+)/.exec(admin.url())![1]!;
    await admin
      .getByRole('table', { name: 'Approved targets' })
      .getByText('Notifications Resource Pool')
      .waitFor();

    await run(admin.getByRole('link', { name: 'Profiles', exact: true }).click());
    await run(admin.getByRole('button', { name: 'Create Run As Profile' }).click());
    const create = admin.getByRole('dialog', { name: 'Create Run As Profile' });
    await run(create.getByLabel(/^Display name/).fill('External Mail Account'));
    await run(
      create
        .getByLabel(/^Destination management pack/)
        .selectOption({ label: 'Notifications Internal Library' }),
    );
    await check(admin, 'profile-create');
    await run(create.getByRole('button', { name: 'Create' }).click());
    // The new profile's wizard opens at its Run As Accounts step.
    await admin.getByRole('heading', { name: 'Run As Profile Wizard: External Mail Account' }).waitFor();
    await admin.getByText('No account is associated').waitFor();
    await run(admin.getByRole('button', { name: 'Add…' }).click());
    const add = admin.getByRole('dialog', { name: 'Add a Run As Account' });
    await run(
      add
        .getByLabel('Run As account', { exact: true })
        .selectOption({ label: 'External mailbox — Simple Authentication' }),
    );
    await run(add.getByRole('combobox', { name: 'Search for a class' }).fill('Alert Notification'));
    await run(admin.getByRole('option', { name: /Steward\.AlertNotificationSubscriptionServer/ }).click());
    // Choosing the class selects "A selected class, group, or object".
    expect(await add.getByLabel('A selected class, group, or object').isChecked()).toBe(true);
    await run(add.getByRole('button', { name: 'OK' }).click());
    await run(admin.getByRole('button', { name: 'Save' }).click());
    await admin.getByText('The Run As profile is saved.').waitFor();
    console.info(`external-mail walkthrough, Run As part: ${steps.runAs} user actions (SCOM: 21 steps)`);
    expect(steps.runAs).toBeLessThanOrEqual(20);

    const profile = `${NIL}.ExternalMailAccount`;
    const assoc = await call<{ items: { accountId: string; scope: unknown }[] }>(
      'GET',
      `/api/v1/profiles/${profile}/associations`,
    );
    expect(assoc.body.items).toEqual([
      expect.objectContaining({
        accountId,
        scope: { kind: 'class', classId: 'Steward.AlertNotificationSubscriptionServer' },
      }),
    ]);
    const account = await call<{ distribution: unknown }>('GET', `/api/v1/accounts/${accountId}`);
    expect(account.body.distribution).toMatchObject({
      security: 'more-secure',
      approved: ['pool_notifications'],
    });
    // The notification server's object now resolves to the new account for the new profile, distributed.
    const servers = await call<{ items: { id: string }[] }>(
      'GET',
      '/api/v1/objects?class=Steward.AlertNotificationSubscriptionServer',
    );
    expect(servers.body.items.length).toBeGreaterThan(0);
    for (const object of servers.body.items) {
      const explained = await call<{ resolution: { kind: string; accountId?: string } }>(
        'GET',
        `/api/v1/explain?profile=${profile}&object=${encodeURIComponent(object.id)}`,
      );
      expect(explained.status).toBe(200);
      expect(explained.body.resolution).toMatchObject({ kind: 'account', accountId });
    }
  }, 60_000);

  it('associates the account with one object typed in part, found by the server beyond the first page of objects', async () => {
    // More mailboxes on the pool than the objects list's first page (100) holds.
    expect((await call('POST', '/api/v1/classes', { id: 'Test.Console.Mailbox', hosted: true })).status).toBe(
      201,
    );
    for (let i = 0; i < 110; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const made = await call('POST', '/api/v1/objects', {
            classId: 'Test.Console.Mailbox',
            hostId: 'pool_notifications',
            name: `MBX${String(i + j + 1).padStart(3, '0')}`,
          });
          expect(made.status).toBe(201);
        }),
      );
    }
    const firstPage = await call<{ items: { id: string }[] }>('GET', '/api/v1/objects');
    expect(firstPage.body.items).toHaveLength(100);
    const mailboxes = await call<{ items: { id: string; name: string }[] }>(
      'GET',
      '/api/v1/objects?class=Test.Console.Mailbox&limit=1000',
    );
    const far = mailboxes.body.items.find((o) => !firstPage.body.items.some((p) => p.id === o.id));
    if (!far) throw new Error('every mailbox is on the first page of objects');

    const profile = `${NIL}.ExternalMailAccount`;
    await admin.goto(`${server.url}/run-as/profiles/${profile}?step=accounts`);
    await admin.getByRole('button', { name: 'Add…' }).click();
    const add = admin.getByRole('dialog', { name: 'Add a Run As Account' });
    await add
      .getByLabel('Run As account', { exact: true })
      .selectOption({ label: 'External mailbox — Simple Authentication' });
    await add.getByText('Object', { exact: true }).click();
    const box = add.getByRole('combobox', { name: 'Search for an object' });
    await box.fill('no such mailbox');
    await admin.getByText('No object matches').waitFor();
    // Part of the name: the server searches for it, and offers the one mailbox it names.
    const part = far.name.slice(2);
    const searched = admin.waitForRequest((r) => {
      const url = new URL(r.url());
      return url.pathname === '/api/v1/objects' && url.searchParams.get('search') === part;
    });
    await box.fill(part);
    await searched;
    const offered = admin.getByRole('listbox').getByRole('option');
    const option = offered.filter({ hasText: `${far.name} (Test.Console.Mailbox)` });
    await option.waitFor();
    expect(await offered.count()).toBe(1);
    await check(admin, 'profile-add-object');
    await option.click();
    expect(await add.getByLabel('A selected class, group, or object').isChecked()).toBe(true);
    await add.getByRole('button', { name: 'OK' }).click();
    await admin
      .getByRole('table', { name: 'Associated Run As accounts' })
      .getByRole('cell', { name: `Object ${far.name}`, exact: true })
      .waitFor();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('The Run As profile is saved.').waitFor();

    const assoc = await call<{ items: { accountId: string; scope: unknown }[] }>(
      'GET',
      `/api/v1/profiles/${profile}/associations`,
    );
    expect(assoc.body.items).toContainEqual(
      expect.objectContaining({ accountId, scope: { kind: 'object', objectId: far.id } }),
    );

    // Opened again, the wizard names the object it is associated with, not its id.
    await admin.goto(`${server.url}/run-as/profiles/${profile}?step=accounts`);
    const associated = admin.getByRole('table', { name: 'Associated Run As accounts' });
    await associated.getByRole('cell', { name: `Object ${far.name}`, exact: true }).waitFor();
    expect(await associated.getByText(far.id).count()).toBe(0);
  }, 60_000);

  it('creates the e-mail channel with that profile, a subscriber and a subscription; an alert reaches the SMTP server signed in as the account', async () => {
    const run = <T>(a: Promise<T>) => act('notify', a);
    await run(admin.getByRole('link', { name: 'Notifications', exact: true }).click());
    await admin.getByText('No channels yet').waitFor();
    await check(admin, 'channels-empty');
    await run(admin.getByRole('button', { name: 'Create e-mail channel' }).click());
    const dialog = admin.getByRole('dialog', { name: 'Create e-mail channel' });
    await run(dialog.getByLabel(/^Name/).fill('External mail'));
    await run(dialog.getByLabel(/^SMTP server/).fill('127.0.0.1'));
    await run(dialog.getByLabel('Port', { exact: true }).fill(String(smtp.port)));
    await run(dialog.getByRole('combobox', { name: 'Encryption' }).click());
    await run(admin.getByRole('option', { name: /^None/ }).click());
    await run(dialog.getByRole('combobox', { name: 'Run As profile' }).fill('External Mail'));
    await run(admin.getByRole('option', { name: /External Mail Account/ }).click());
    await run(dialog.getByLabel(/^External mail/).check());
    // A mistake (not counted as a step): the contract's own message, before anything is sent.
    await dialog.getByLabel(/^Return address/).fill('not-an-address');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('From must be an e-mail address like scom@contoso.com').waitFor();
    await check(admin, 'channel-dialog');
    await run(dialog.getByLabel(/^Return address/).fill(MAILBOX));
    await run(dialog.getByRole('button', { name: 'Create' }).click());
    const channels = admin.getByRole('table', { name: 'Channels' });
    await channels.getByText('External mail', { exact: true }).waitFor();
    await channels.getByText('External Mail Account').waitFor();
    const listed = await call<{
      items: { id: string; profileId: string; settings: Record<string, unknown> }[];
    }>('GET', '/api/v1/notification-channels');
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        profileId: `${NIL}.ExternalMailAccount`,
        settings: expect.objectContaining({ from: MAILBOX, external: true, authentication: 'account' }),
      }),
    ]);
    channelId = listed.body.items[0]!.id;
    await check(admin, 'channels');

    await run(admin.getByRole('tab', { name: 'Subscribers' }).click());
    await run(admin.getByRole('button', { name: 'Create subscriber' }).click());
    const sub = admin.getByRole('dialog', { name: 'Create subscriber' });
    await run(sub.getByLabel(/^Name/).first().fill('Partner desk'));
    await run(sub.getByLabel('Address 1', { exact: true }).fill(PARTNER));
    await run(sub.getByRole('button', { name: 'Create' }).click());
    await admin.getByRole('table', { name: 'Subscribers' }).getByText('Always').waitFor();

    await run(admin.getByRole('tab', { name: 'Subscriptions' }).click());
    await run(admin.getByRole('button', { name: 'Create subscription' }).click());
    const subscription = admin.getByRole('dialog', { name: 'Create subscription' });
    await run(subscription.getByLabel(/^Name/).fill('Critical alerts to the partner'));
    await run(subscription.getByLabel(/^Channels/).click());
    await run(admin.getByRole('option', { name: 'External mail' }).click());
    await run(subscription.getByLabel(/^To/).click());
    await run(admin.getByRole('option', { name: 'Partner desk' }).click());
    await run(subscription.getByLabel('Severity', { exact: true }).click());
    await run(admin.getByRole('option', { name: 'Critical' }).click());
    await check(admin, 'subscription-dialog');
    await run(subscription.getByRole('button', { name: 'Create' }).click());
    const subscriptions = admin.getByRole('table', { name: 'Subscriptions' });
    await subscriptions.getByText('severity critical').waitFor();
    await check(admin, 'subscriptions');

    const raised = await call<{ id: string }>('POST', '/api/v1/alerts', {
      name: 'Backup failed on SQL01',
      severity: 'critical',
      description: 'raised by the console notification test',
    });
    expect(raised.status).toBe(201);
    await expect
      .poll(() => smtp.mails.find((m) => m.rcptTo.includes(PARTNER)), { timeout: 30_000, interval: 250 })
      .toBeTruthy();
    const mail = smtp.mails.find((m) => m.rcptTo.includes(PARTNER))!;
    expect(mail).toMatchObject({ user: MAILBOX, mailFrom: MAILBOX });
    expect(mail.headers.get('subject')).toContain('Backup failed on SQL01');
    expect(smtp.logins).toContain(MAILBOX);

    await run(admin.getByRole('tab', { name: 'Deliveries' }).click());
    const deliveries = admin.getByRole('table', { name: 'Deliveries' });
    await deliveries.getByText(`${PARTNER} (to)`).waitFor();
    await deliveries.getByText('Sent', { exact: true }).waitFor();
    await check(admin, 'deliveries');
    const sent = await call<{ items: { alertId: string; channelId: string; status: string }[] }>(
      'GET',
      `/api/v1/notification-deliveries?alert=${raised.body.id}`,
    );
    expect(sent.body.items).toEqual([
      expect.objectContaining({ alertId: raised.body.id, channelId, status: 'sent' }),
    ]);
  }, 75_000);

  it('lists a dead letter with its reason and sends it again from the Deliveries tab once the mailbox is back', async () => {
    const gone = 'gone@partner.example';
    smtp.refused.add(gone);
    const subscriber = await call<{ id: string }>('POST', '/api/v1/notification-subscribers', {
      name: 'Gone desk',
      addresses: [{ name: 'Mail', kind: 'email', address: gone }],
    });
    expect(subscriber.status).toBe(201);
    const subscription = await call('POST', '/api/v1/notification-subscriptions', {
      name: 'Warnings to the gone desk',
      criteria: { severities: ['warning'] },
      to: [subscriber.body.id],
      channelIds: [channelId],
    });
    expect(subscription.status).toBe(201);
    const raised = await call<{ id: string }>('POST', '/api/v1/alerts', {
      name: 'Disk almost full',
      severity: 'warning',
    });
    const deadOf = async () =>
      (
        await call<{ items: { id: string; status: string }[] }>(
          'GET',
          `/api/v1/notification-deliveries?alert=${raised.body.id}&status=dead`,
        )
      ).body.items[0]?.id;
    await expect.poll(deadOf, { timeout: 30_000, interval: 250 }).toBeTruthy();
    const deadId = (await deadOf())!;

    await admin.getByRole('combobox', { name: 'Status' }).click();
    await admin.getByRole('option', { name: 'Dead letter' }).click();
    const deliveries = admin.getByRole('table', { name: 'Deliveries' });
    await deliveries.getByText(/550/).waitFor();
    await check(admin, 'dead-letters');
    smtp.refused.delete(gone);
    await deliveries.getByRole('button', { name: `Send again: delivery ${deadId}` }).click();
    await admin.getByText('1 of 1 queued to be sent again.').waitFor();
    await expect
      .poll(() => smtp.mails.some((m) => m.rcptTo.includes(gone)), { timeout: 30_000, interval: 250 })
      .toBe(true);
    const after = await call<{ status: string }[]>(
      'GET',
      `/api/v1/notification-deliveries?alert=${raised.body.id}`,
    );
    expect(after.body).toMatchObject({ items: [expect.objectContaining({ id: deadId, status: 'sent' })] });
  }, 60_000);

  it('changes the channel in place: the next alert goes out through the server it names now', async () => {
    const relay = await startSmtp({ users: { [MAILBOX]: MAIL_PASSWORD } });
    try {
      await admin.getByRole('tab', { name: 'Channels' }).click();
      await admin.getByRole('button', { name: 'Change channel External mail' }).click();
      const dialog = admin.getByRole('dialog', { name: 'Change channel External mail' });
      expect(await dialog.getByLabel(/^Return address/).inputValue()).toBe(MAILBOX);
      expect(await dialog.getByLabel(/^External mail/).isChecked()).toBe(true);
      await dialog.getByLabel(/^Name/).fill('External mail (relay)');
      await dialog.getByLabel('Port', { exact: true }).fill(String(relay.port));
      await check(admin, 'channel-change-dialog');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await admin
        .getByRole('table', { name: 'Channels' })
        .getByText('External mail (relay)', { exact: true })
        .waitFor();
      const changed = await call<Record<string, unknown>>(
        'GET',
        `/api/v1/notification-channels/${channelId}`,
      );
      expect(changed.body).toMatchObject({
        name: 'External mail (relay)',
        profileId: `${NIL}.ExternalMailAccount`,
        settings: {
          from: MAILBOX,
          external: true,
          authentication: 'account',
          servers: [expect.objectContaining({ host: '127.0.0.1', port: relay.port })],
        },
      });
      const raised = await call<{ id: string }>('POST', '/api/v1/alerts', {
        name: 'Replication lag on SQL02',
        severity: 'critical',
      });
      expect(raised.status).toBe(201);
      await expect
        .poll(() => relay.mails.find((m) => m.rcptTo.includes(PARTNER)), { timeout: 30_000, interval: 250 })
        .toBeTruthy();
      expect(relay.mails.find((m) => m.rcptTo.includes(PARTNER))).toMatchObject({ user: MAILBOX });
      expect(smtp.mails.some((m) => m.headers.get('subject')?.includes('Replication lag'))).toBe(false);
    } finally {
      await relay.close();
    }

    // A subscription changed in place keeps what the form leaves alone.
    await admin.getByRole('tab', { name: 'Subscriptions' }).click();
    await admin.getByRole('button', { name: 'Change subscription Critical alerts to the partner' }).click();
    const change = admin.getByRole('dialog', { name: 'Change subscription Critical alerts to the partner' });
    await change.getByLabel('Priority', { exact: true }).click();
    await admin.getByRole('option', { name: 'high', exact: true }).click();
    await change.getByLabel('Delay (seconds)').fill('120');
    await check(admin, 'subscription-change-dialog');
    await change.getByRole('button', { name: 'Save' }).click();
    await change.waitFor({ state: 'hidden' });
    const subs = await call<{ items: Record<string, unknown>[] }>(
      'GET',
      '/api/v1/notification-subscriptions',
    );
    expect(subs.body.items.find((x) => x.name === 'Critical alerts to the partner')).toMatchObject({
      criteria: { severities: ['critical'], priorities: ['high'] },
      delaySeconds: 120,
      channelIds: [channelId],
    });
  }, 60_000);

  it('edits a weekly schedule with the keyboard: hours switched on the grid become the subscriber schedule', async () => {
    await admin.getByRole('tab', { name: 'Subscribers' }).click();
    await admin.getByRole('button', { name: 'Create subscriber' }).click();
    const sub = admin.getByRole('dialog', { name: 'Create subscriber' });
    await sub.getByLabel(/^Name/).first().fill('Night shift');
    await sub.getByLabel('Address 1', { exact: true }).fill('night@contoso.com');
    await sub.getByRole('button', { name: 'Clear' }).click();
    // From Clear, Tab reaches Monday's switch, then the grid (one tab stop); arrows move, Space switches.
    await admin.keyboard.press('Tab');
    await admin.keyboard.press('Tab');
    const cell = (name: string) => sub.getByRole('gridcell', { name });
    await expect
      .poll(() => cell('Monday 09:00 to 10:00').evaluate((e) => e === e.ownerDocument.activeElement))
      .toBe(true);
    for (const key of ['Space', 'ArrowRight', 'Space', 'ArrowDown', 'Space']) await admin.keyboard.press(key);
    expect(await cell('Monday 09:00 to 10:00').getAttribute('aria-selected')).toBe('true');
    expect(await cell('Monday 10:00 to 11:00').getAttribute('aria-selected')).toBe('true');
    expect(await cell('Tuesday 10:00 to 11:00').getAttribute('aria-selected')).toBe('true');
    expect(await cell('Tuesday 09:00 to 10:00').getAttribute('aria-selected')).toBe('false');
    await sub.getByText('3 of 168 hours a week.').waitFor();
    await sub.getByLabel(/^Time zone/).fill('Europe/Paris');
    await check(admin, 'schedule-editor');
    await sub.getByRole('button', { name: 'Create' }).click();
    await admin
      .getByRole('table', { name: 'Subscribers' })
      .getByText('3 of 168 hours a week (Europe/Paris)')
      .waitFor();
    const subscribers = await call<{ items: { name: string; schedule: unknown[] }[] }>(
      'GET',
      '/api/v1/notification-subscribers',
    );
    const night = subscribers.body.items.find((s) => s.name === 'Night shift');
    expect(night?.schedule).toEqual([
      {
        daysOfWeek: ['monday'],
        startTime: '09:00',
        endTime: '11:00',
        timeZone: 'Europe/Paris',
        exclude: false,
      },
      {
        daysOfWeek: ['tuesday'],
        startTime: '10:00',
        endTime: '11:00',
        timeZone: 'Europe/Paris',
        exclude: false,
      },
    ]);
  }, 45_000);

  it('gives one address its own weekly hours in the subscriber dialog and changes them later; the other address keeps none', async () => {
    type Address = { name: string; kind: string; address: string; schedule: unknown[] };
    const opsDesk = async () =>
      (
        await call<{ items: { name: string; schedule: unknown[]; addresses: Address[] }[] }>(
          'GET',
          '/api/v1/notification-subscribers',
        )
      ).body.items.find((s) => s.name === 'Ops desk');
    const hours = (daysOfWeek: string[]) => [
      { daysOfWeek, startTime: '08:00', endTime: '17:00', timeZone: 'Europe/Paris', exclude: false },
    ];
    const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
    const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];

    await admin.getByRole('tab', { name: 'Subscribers' }).click();
    await admin.getByRole('button', { name: 'Create subscriber' }).click();
    const sub = admin.getByRole('dialog', { name: 'Create subscriber' });
    await sub.getByLabel(/^Name/).first().fill('Ops desk');
    await sub.getByLabel('Address 1', { exact: true }).fill('ops@contoso.com');
    await sub.getByRole('button', { name: 'Add address' }).click();
    await sub.getByLabel('Name of address 2').fill('Ops channel');
    await sub.getByRole('combobox', { name: 'Kind of address 2' }).click();
    await admin.getByRole('option', { name: 'Microsoft Teams' }).click();
    await sub.getByLabel('Address 2', { exact: true }).fill(TEAMS_WEBHOOK);
    // The choice is a radio group: reached with Tab, changed with the arrow keys.
    const first = sub.getByRole('radiogroup', { name: 'Schedule of address 1' });
    await first.getByRole('radio', { name: 'Always send notifications' }).focus();
    await admin.keyboard.press('ArrowRight');
    expect(
      await first
        .getByRole('radio', { name: 'Only send notifications during the specified times' })
        .isChecked(),
    ).toBe(true);
    const times = sub.getByRole('group', { name: 'Specified times of address 1' });
    await times.getByRole('button', { name: 'Working hours' }).click();
    for (const day of days) await times.getByRole('gridcell', { name: `${day} 17:00 to 18:00` }).click();
    await times.getByText('45 of 168 hours a week.').waitFor();
    await times.getByLabel('Time zone of address 1').fill('Europe/Paris');
    expect(await sub.getByRole('group', { name: 'Specified times of address 2' }).count()).toBe(0);
    await check(admin, 'address-schedule');
    await sub.getByRole('button', { name: 'Create' }).click();
    await sub.waitFor({ state: 'hidden' });
    const made = await opsDesk();
    expect(made?.schedule).toEqual([]);
    expect(made?.addresses).toEqual([
      { name: 'E-mail', kind: 'email', address: 'ops@contoso.com', schedule: hours(weekdays) },
      {
        name: 'Ops channel',
        kind: 'teams',
        address: expect.stringMatching(
          /^https:\/\/contoso\.webhook\.office\.com\/… \(fingerprint [0-9a-f]{12}\)$/,
        ),
        schedule: [],
      },
    ]);
    const shownWebhook = made!.addresses[1]!.address;

    // Reopened, the dialog shows the address's hours; Friday switched off is saved, the write-only link kept.
    await admin.getByRole('button', { name: 'Change subscriber Ops desk' }).click();
    const change = admin.getByRole('dialog', { name: 'Change subscriber Ops desk' });
    const again = change.getByRole('group', { name: 'Specified times of address 1' });
    expect(
      await again.getByRole('gridcell', { name: 'Monday 16:00 to 17:00' }).getAttribute('aria-selected'),
    ).toBe('true');
    expect(
      await again.getByRole('gridcell', { name: 'Monday 17:00 to 18:00' }).getAttribute('aria-selected'),
    ).toBe('false');
    expect(await again.getByLabel('Time zone of address 1').inputValue()).toBe('Europe/Paris');
    expect(
      await change
        .getByRole('radiogroup', { name: 'Schedule of address 2' })
        .getByRole('radio', { name: 'Always send notifications' })
        .isChecked(),
    ).toBe(true);
    expect(await change.getByLabel('Address 2', { exact: true }).inputValue()).toBe(shownWebhook);
    // A partly switched-on day is switched wholly on first, then wholly off.
    await again.getByRole('button', { name: 'Switch all of Friday' }).click();
    await again.getByRole('button', { name: 'Switch all of Friday' }).click();
    await again.getByText('36 of 168 hours a week.').waitFor();
    await check(admin, 'address-schedule-change');
    await change.getByRole('button', { name: 'Save' }).click();
    await change.waitFor({ state: 'hidden' });
    const changed = await opsDesk();
    expect(changed?.schedule).toEqual([]);
    expect(changed?.addresses).toEqual([
      { name: 'E-mail', kind: 'email', address: 'ops@contoso.com', schedule: hours(weekdays.slice(0, 4)) },
      { name: 'Ops channel', kind: 'teams', address: shownWebhook, schedule: [] },
    ]);

    // Back to Always: the address has no schedule of its own again.
    await admin.getByRole('button', { name: 'Change subscriber Ops desk' }).click();
    await change
      .getByRole('radiogroup', { name: 'Schedule of address 1' })
      .getByRole('radio', { name: 'Always send notifications' })
      .check();
    await change.getByRole('button', { name: 'Save' }).click();
    await change.waitFor({ state: 'hidden' });
    expect((await opsDesk())?.addresses.map((a) => a.schedule)).toEqual([[], []]);
  }, 60_000);

  it('keeps a subscriber schedule in two time zones when only the name changes, and says it is kept', async () => {
    const schedule = [
      {
        daysOfWeek: ['monday'],
        startTime: '08:00',
        endTime: '12:00',
        timeZone: 'Europe/Paris',
        exclude: false,
      },
      {
        daysOfWeek: ['monday'],
        startTime: '09:00',
        endTime: '17:00',
        timeZone: 'America/New_York',
        exclude: false,
      },
    ];
    const made = await call<{ id: string }>('POST', '/api/v1/notification-subscribers', {
      name: 'Follow the sun',
      schedule,
      addresses: [{ name: 'Mail', kind: 'email', address: 'sun@contoso.com' }],
    });
    expect(made.status).toBe(201);
    // Made through the API: the page reads the list again when opened anew.
    await admin.reload();
    await admin.getByRole('tab', { name: 'Subscribers' }).click();
    await admin.getByRole('button', { name: 'Change subscriber Follow the sun' }).click();
    const change = admin.getByRole('dialog', { name: 'Change subscriber Follow the sun' });
    await change.getByText(/several time zones the weekly grid cannot show; it is kept unless/).waitFor();
    await change.getByLabel(/^Name/).first().fill('Follow the sun desk');
    await change.getByRole('button', { name: 'Save' }).click();
    await change.waitFor({ state: 'hidden' });
    const after = (
      await call<{ items: { id: string; name: string; schedule: unknown[] }[] }>(
        'GET',
        '/api/v1/notification-subscribers',
      )
    ).body.items.find((s) => s.id === made.body.id);
    expect(after?.name).toBe('Follow the sun desk');
    expect(after?.schedule).toEqual(schedule);
  }, 45_000);

  it('finds the alert with the filters and closes it from its page', async () => {
    await admin.getByRole('link', { name: 'Alerts', exact: true }).click();
    const table = admin.getByRole('table', { name: 'Alerts' });
    await table.getByText('Backup failed on SQL01').waitFor();
    await admin.getByRole('textbox', { name: 'Text', exact: true }).fill('no such alert');
    await admin.getByText('No alert matches these filters').waitFor();
    await admin.getByRole('textbox', { name: 'Text', exact: true }).fill('sql01');
    await admin.getByRole('combobox', { name: 'Severity' }).click();
    await admin.getByRole('option', { name: 'Critical' }).click();
    await table.getByText('Backup failed on SQL01').waitFor();
    await check(admin, 'alerts');
    await table.getByRole('link', { name: 'Backup failed on SQL01' }).click();
    await admin.getByRole('heading', { name: 'Backup failed on SQL01' }).waitFor();
    await admin.getByRole('combobox', { name: 'Resolution state' }).click();
    await admin.getByRole('option', { name: 'Closed (255)' }).click();
    await admin.getByLabel('Ticket').fill('INC-4711');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByText('Saved: Closed.').waitFor();
    await check(admin, 'alert-details');
    const alerts = await call<{ items: { name: string; resolutionState: number; ticketId: string }[] }>(
      'GET',
      '/api/v1/alerts?state=closed',
    );
    expect(alerts.body.items).toContainEqual(
      expect.objectContaining({ name: 'Backup failed on SQL01', resolutionState: 255, ticketId: 'INC-4711' }),
    );
  }, 45_000);

  it('administers users, shows a new API token once, and lists and verifies the audit log', async () => {
    await admin.getByRole('link', { name: 'Users and roles' }).click();
    await admin.getByRole('button', { name: 'Create user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create user' });
    await dialog.getByLabel(/^User name/).fill('rita');
    await dialog.getByLabel(/^One-time password/).fill('short');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Password must be at least 12 characters').waitFor();
    await dialog.getByLabel(/^One-time password/).fill('rita first one-time password');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const users = admin.getByRole('table', { name: 'Users' });
    await users.getByRole('cell', { name: 'rita' }).first().waitFor();
    await admin.getByRole('combobox', { name: 'Role of rita' }).click();
    await admin.getByRole('option', { name: 'Read-only Operator' }).click();
    await admin.getByText('rita is now Read-only Operator.').waitFor();
    await admin.getByRole('button', { name: 'Reset password of rita' }).click();
    const reset = admin.getByRole('dialog', { name: 'Reset the password of rita' });
    await reset.getByLabel(/^New one-time password/).fill(READER_ONE_TIME);
    await reset.getByRole('button', { name: 'Reset password' }).click();
    await admin.getByText('rita must choose a new password at the next sign-in.').waitFor();
    await check(admin, 'users');
    const listed = await call<{ items: { username: string; role: string; mustChangePassword: boolean }[] }>(
      'GET',
      '/api/v1/users',
    );
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ username: 'rita', role: 'read-only-operator', mustChangePassword: true }),
    );

    await admin.getByRole('link', { name: 'API tokens' }).click();
    await admin.getByRole('button', { name: 'Create token' }).click();
    const create = admin.getByRole('dialog', { name: 'Create token' });
    await create.getByLabel(/^Name/).fill('backup script');
    await create.getByRole('button', { name: 'Create' }).click();
    issuedToken = await create.getByRole('textbox', { name: 'Token' }).inputValue();
    expect(issuedToken.length).toBeGreaterThan(20);
    await check(admin, 'token-created');
    await create.getByRole('button', { name: 'Done' }).click();
    await admin.getByRole('table', { name: 'API tokens' }).getByText('backup script').waitFor();
    expect(await admin.content()).not.toContain(issuedToken);
    const works = await api(server.url, 'GET', '/api/v1/me', { token: issuedToken });
    expect(works.status).toBe(200);

    await admin.getByRole('link', { name: 'Audit log' }).click();
    await admin.getByLabel('Kind', { exact: true }).fill('user.*');
    await admin.getByRole('button', { name: 'Filter' }).click();
    const records = admin.getByRole('table', { name: 'Audit records' });
    await records.getByText('user.create').first().waitFor();
    expect(await records.getByText('channel.create').count()).toBe(0);
    await admin.getByRole('button', { name: 'Verify the chain' }).click();
    await admin.getByText('The chain is intact').waitFor();
    await check(admin, 'audit');
  }, 60_000);

  it('gives a read-only operator no action on alerts or notifications, and the server refuses forced ones (403)', async () => {
    await activateUser(server.url, 'rita', READER_ONE_TIME, READER_PASSWORD);
    const page = await signedIn('rita', READER_PASSWORD);
    const alertId = (
      await call<{ items: { id: string; name: string }[] }>('GET', '/api/v1/alerts?state=all')
    ).body.items.find((a) => a.name === 'Backup failed on SQL01')!.id;
    await page.goto(`${server.url}/alerts/${alertId}`);
    await page.getByText('The Read-only Operator role may not do this (needs alerts.write).').waitFor();
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Notifications', exact: true }).click();
    await page
      .getByText('The Read-only Operator role may not do this (needs notify.subscriptions).')
      .waitFor();
    for (const name of ['Create e-mail channel', 'Create subscriber', 'Create subscription'])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    await page.getByRole('link', { name: 'Users and roles' }).click();
    await page.getByText('The Read-only Operator role may not do this (needs users.manage).').waitFor();
    expect(await page.getByRole('button', { name: 'Create user' }).count()).toBe(0);
    await check(page, 'read-only');

    const codeOf = async (refused: Promise<{ status: number; body: ErrorBody }>) => {
      const r = await refused;
      return { status: r.status, code: r.body.error.code };
    };
    const forced = [
      await codeOf(
        forcedFromPage(page, 'POST', '/api/v1/notification-channels', {
          name: 'forced',
          kind: 'email',
          profileId: null,
          settings: {
            servers: [{ host: '127.0.0.1', port: smtp.port }],
            from: 'x@contoso.com',
            authentication: 'anonymous',
          },
        }),
      ),
      await codeOf(forcedFromPage(page, 'PATCH', `/api/v1/alerts/${alertId}`, { resolutionState: 0 })),
      await codeOf(
        forcedFromPage(page, 'POST', '/api/v1/users', {
          username: 'forced',
          role: 'administrator',
          password: 'forced password 1',
        }),
      ),
    ];
    expect(forced).toEqual([
      { status: 403, code: 'FORBIDDEN' },
      { status: 403, code: 'FORBIDDEN' },
      { status: 403, code: 'FORBIDDEN' },
    ]);
    const channels = await call<{ items: unknown[] }>('GET', '/api/v1/notification-channels');
    expect(channels.body.items).toHaveLength(1);
    const alert = await call<{ resolutionState: number }>('GET', `/api/v1/alerts/${alertId}`);
    expect(alert.body.resolutionState).toBe(255);
    await page.context().close();
  }, 45_000);

  it('never received a secret: the account password in no answer, the new token only in the answer that made it', () => {
    expect(answers.length).toBeGreaterThan(20);
    const [made, ...others] = [
      ...answers.filter((a) => a.method === 'POST' && new URL(a.url).pathname === '/api/v1/tokens'),
      ...answers.filter((a) => !(a.method === 'POST' && new URL(a.url).pathname === '/api/v1/tokens')),
    ];
    expect(made?.body).toContain(issuedToken);
    for (const a of others) {
      for (const secret of [
        MAIL_PASSWORD,
        issuedToken,
        bootstrapPassword,
        READER_ONE_TIME,
        'stw_',
        'ops-desk-key',
      ].filter(Boolean))
        expect(a.body, a.url).not.toContain(secret);
      const keys: string[] = [];
      JSON.parse(a.body || 'null', (k, v) => {
        keys.push(k);
        return v;
      });
      expect(
        keys.filter((k) => SECRET_KEYS.test(k)),
        a.url,
      ).toEqual([]);
    }
  });

  it('has no serious or critical accessibility violation on these pages', () => {
    expect(a11y.length).toBeGreaterThanOrEqual(12);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
    console.info(`external-mail walkthrough in the console: ${steps.runAs} + ${steps.notify} user actions`);
  });
});
