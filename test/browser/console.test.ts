// Proves the web console in a real Chromium against a real `steward server` process: sign-in and the first
// password change, the seed walkthrough (Notification action account → Notifications Resource Pool →
// Notification Account profile, checked through the API), a role that may not create accounts, no secret in
// any answer the page receives, the CSP holding, and axe-core on the main pages. (A request to another host
// fails the test that made it: browser.ts watches every page.)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_LOAD_BUDGET_BYTES, firstLoadPaths } from '../../scripts/console-first-load.js';
import { api, oneTimePasswordOf, type ServerProcess, signIn } from '../support/server-process.js';
import { type ConsoleStage, screenshot, seriousViolations, startConsoleStage } from './browser.js';

const ADMIN_PASSWORD = 'console admin password 1';
const OPERATOR_PASSWORD = 'console operator password 1';
const ACCOUNT_SECRET = 'Notif-secret-8c1f2e7d';
const SECRET_KEYS =
  /^(password|passphrase|privateKey|privateKeyPem|sshPrivateKey|suPassword|communityString|dataBase64|authKey|privacyKey|token)$/;

let server: ServerProcess;
let browser: Browser;
let launchError: unknown;
let stage: ConsoleStage | undefined;
let oneTimePassword = '';
const answers: { url: string; body: string }[] = [];
const cspReports: string[] = [];
/** The user actions of the seed walkthrough (SCOM: 21 steps): each click, pick or typed field counts one. */
const steps = { runAs: 0 };

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage();
  ({ server, launchError } = stage);
  if (stage.browser) browser = stage.browser;
  oneTimePassword = await oneTimePasswordOf(server);
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

/** A page whose every API answer is kept (to scan for secrets) and whose CSP reports are noted. */
async function openPage(context?: BrowserContext): Promise<Page> {
  requireBrowser();
  const ctx = context ?? (await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  page.on('response', async (res) => {
    if (!new URL(res.url()).pathname.startsWith('/api/')) return;
    answers.push({ url: res.url(), body: await res.text().catch(() => '') });
  });
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspReports.push(msg.text());
  });
  return page;
}

function requireBrowser(): void {
  if (launchError) throw new Error(`Chromium did not start: ${String(launchError)}`);
}

async function signInThroughPage(page: Page, username: string, password: string) {
  await page.goto(server.url);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function changePasswordThroughPage(page: Page, current: string, next: string) {
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByLabel(/^One-time \(current\) password/).fill(current);
  await page.getByLabel(/^New password/).fill(next);
  await page.getByLabel(/^Repeat the new password/).fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { name: 'Run As Accounts' }).waitFor();
}

const violationsOf = async (page: Page, name: string) => {
  await screenshot(page, name);
  return { page: name, violations: await seriousViolations(page) };
};

describe('the web console in Chromium', () => {
  let admin: Page;
  let accountId = '';
  const a11y: { page: string; violations: unknown[] }[] = [];

  it('signs the bootstrap administrator in with a session cookie and forces the first password change', async () => {
    admin = await openPage();
    await admin.goto(server.url);
    await admin.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    a11y.push(await violationsOf(admin, 'sign-in'));
    await admin.getByLabel('User name').fill('admin');
    await admin.getByLabel(/^Password/).fill('not the password');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await expect(admin.getByRole('alert').textContent()).resolves.toContain('wrong');

    await signInThroughPage(admin, 'admin', oneTimePassword);
    await admin.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    a11y.push(await violationsOf(admin, 'change-password'));
    // The API's own message for a password it refuses.
    await admin.getByLabel(/^One-time \(current\) password/).fill(oneTimePassword);
    await admin.getByLabel(/^New password/).fill('short');
    await admin.getByLabel(/^Repeat the new password/).fill('short');
    await admin.getByRole('button', { name: 'Change password' }).click();
    await admin.getByText('New password must be at least 12 characters').waitFor();
    await changePasswordThroughPage(admin, oneTimePassword, ADMIN_PASSWORD);

    const [cookie] = await admin.context().cookies();
    expect(cookie).toMatchObject({ name: 'steward_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await admin.evaluate('document.cookie')).toBe('');
    await admin.getByText('No Run As accounts yet').waitFor();
    a11y.push(await violationsOf(admin, 'accounts-empty'));
  }, 60_000);

  it('walks the seed: creates the Notification action account, distributes it to the Notifications Resource Pool, associates it with the Notification Account profile', async () => {
    requireBrowser();
    const run = <T>(action: Promise<T>) => {
      steps.runAs++;
      return action;
    };
    await run(admin.getByRole('button', { name: 'Create Run As Account' }).click());
    const wizard = admin.getByRole('dialog', { name: 'Create Run As Account' });
    // The introduction is on the first page; the type is one native choice (Action Account by default).
    expect(await wizard.getByLabel('Run As account type').inputValue()).toBe('action');
    await run(wizard.getByLabel('Display name').fill('Notification action account'));
    a11y.push(await violationsOf(admin, 'create-account-general'));
    await run(wizard.getByRole('button', { name: 'Next' }).click());
    await run(wizard.getByLabel('User name').fill('svc-notify'));
    await run(wizard.getByLabel('Password', { exact: true }).fill(ACCOUNT_SECRET));
    await run(wizard.getByLabel('Domain (optional)').fill('CONTOSO'));
    expect(await wizard.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password');
    await run(wizard.getByRole('button', { name: 'Next' }).click());
    // Distribution Security: more secure by default, and the targets chosen right here (pools first).
    expect(await wizard.getByLabel('More secure').isChecked()).toBe(true);
    const firstTarget = wizard.getByRole('table', { name: 'Search results' }).getByRole('row').nth(1);
    expect(await firstTarget.textContent()).toContain('Resource pool');
    await run(wizard.getByLabel('Choose Notifications Resource Pool').check());
    a11y.push(await violationsOf(admin, 'create-account-distribution'));
    await run(wizard.getByRole('button', { name: 'Create' }).click());

    await admin.waitForURL(/\/run-as\/accounts\/acct_[^?]+\?tab=distribution$/);
    accountId = /accounts\/(acct_[^?]+)/.exec(admin.url())![1]!;
    const approved = admin.getByRole('table', { name: 'Approved targets' });
    await approved.getByText('Notifications Resource Pool').waitFor();
    a11y.push(await violationsOf(admin, 'account-distribution'));
    // A look at Computer Search (not a step of the walkthrough): the pool approved already is not offered.
    await admin.getByRole('button', { name: 'Add…' }).click();
    const search = admin.getByRole('dialog', { name: 'Computer Search' });
    await search.getByText('Pools', { exact: true }).click();
    await search.getByLabel('Search by name').fill('pool');
    await search.getByRole('table', { name: 'Search results' }).waitFor();
    expect(await search.getByLabel('Choose Notifications Resource Pool').count()).toBe(0);
    a11y.push(await violationsOf(admin, 'computer-search'));
    await search.getByRole('button', { name: 'Cancel' }).click();

    await run(admin.getByRole('link', { name: 'Profiles' }).click());
    await run(admin.getByLabel('Find a profile').fill('Notification Account'));
    a11y.push(await violationsOf(admin, 'profiles'));
    await run(admin.getByRole('link', { name: 'Notification Account' }).click());
    await run(admin.getByRole('button', { name: 'Next' }).click());
    await admin.getByText('No account is associated').waitFor();
    await run(admin.getByRole('button', { name: 'Add…' }).click());
    const add = admin.getByRole('dialog', { name: 'Add a Run As Account' });
    await run(
      add
        .getByLabel('Run As account', { exact: true })
        .selectOption({ label: 'Notification action account — Action Account' }),
    );
    expect(await add.getByLabel('All targeted objects').isChecked()).toBe(true);
    a11y.push(await violationsOf(admin, 'profile-add-account'));
    await run(add.getByRole('button', { name: 'OK' }).click());
    await run(admin.getByRole('button', { name: 'Save' }).click());
    await admin.getByText('The Run As profile is saved.').waitFor();
    a11y.push(await violationsOf(admin, 'profile-saved'));
    console.info(`seed walkthrough in the console: ${steps.runAs} user actions (SCOM: 21 steps)`);
    expect(steps.runAs).toBeLessThanOrEqual(20);

    const distributed = await api<{ distribution: unknown }>(
      server.url,
      'GET',
      `/api/v1/accounts/${accountId}`,
      {
        token: await signIn(server.url, 'admin', ADMIN_PASSWORD),
      },
    );
    expect(distributed.body.distribution).toEqual({
      security: 'more-secure',
      approved: ['pool_notifications'],
    });

    // Through the API: the notification server's object now resolves to the new account, distributed.
    const token = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const objects = await api<{ items: { id: string }[] }>(
      server.url,
      'GET',
      '/api/v1/objects?class=Steward.AlertNotificationSubscriptionServer',
      { token },
    );
    expect(objects.body.items.length).toBeGreaterThan(0);
    const explained = await api<{ resolution: { kind: string; accountId?: string } }>(
      server.url,
      'GET',
      `/api/v1/explain?profile=Steward.NotificationAccount&object=${encodeURIComponent(objects.body.items[0]!.id)}`,
      { token },
    );
    expect(explained.status).toBe(200);
    expect(explained.body.resolution).toMatchObject({ kind: 'account', accountId });
  }, 60_000);

  it('distributes an account through the Computer Search: a pool found by name, added and saved', async () => {
    requireBrowser();
    await admin.goto(`${server.url}/run-as/accounts/${accountId}?tab=distribution`);
    await admin.getByRole('button', { name: 'Add…' }).click();
    const search = admin.getByRole('dialog', { name: 'Computer Search' });
    await search.getByText('Pools', { exact: true }).click();
    await search.getByLabel('Search by name').fill('automation');
    await search.getByLabel('Choose Automation Pool').check();
    await search.getByRole('button', { name: /^Add/ }).click();
    await admin.getByRole('button', { name: 'Save distribution' }).click();
    await admin.getByText('Distribution saved.').waitFor();
    const account = await api<{ distribution: { approved: string[] } }>(
      server.url,
      'GET',
      `/api/v1/accounts/${accountId}`,
      { token: await signIn(server.url, 'admin', ADMIN_PASSWORD) },
    );
    expect(account.body.distribution.approved.sort()).toEqual(['pool_automation', 'pool_notifications']);
  });

  it('shows in the Computer Search the computers that host targeted objects (Suggested), and the management servers', async () => {
    requireBrowser();
    // An account a workflow uses on one computer (through a profile of the test pack), distributed nowhere.
    const token = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const post = async <T>(path: string, body: unknown) => {
      const r = await api<T>(server.url, 'POST', path, { token, body });
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(201);
      return r.body;
    };
    await post('/api/v1/packs', {
      content: readFileSync(resolve(import.meta.dirname, '../fixtures/packs/test-sql.yaml'), 'utf8'),
      format: 'yaml',
    });
    const app02 = await post<{ id: string }>('/api/v1/computers', { name: 'app02.contoso.com' });
    await post('/api/v1/computers', { name: 'app03.contoso.com' });
    const account = await post<{ id: string }>('/api/v1/accounts', {
      name: 'App02 action account',
      credential: { type: 'action', userName: 'svc-app', domain: 'CONTOSO', password: ACCOUNT_SECRET },
    });
    await post('/api/v1/profiles/Test.Computer.Profile/associations', {
      accountId: account.id,
      scope: { kind: 'object', objectId: app02.id },
    });

    await admin.goto(`${server.url}/run-as/accounts/${account.id}?tab=distribution`);
    await admin.getByRole('button', { name: 'Add…' }).click();
    const search = admin.getByRole('dialog', { name: 'Computer Search' });
    const results = search.getByRole('table', { name: 'Search results' });
    const rowsOf = async () =>
      (await results.getByRole('row').allTextContents()).slice(1).map((r) => r.replace(/\s+/g, ' '));
    await search.getByText('Suggested', { exact: true }).click();
    await results.getByText('app02.contoso.com (suggested)').waitFor();
    expect(await rowsOf()).toEqual(['app02.contoso.com (suggested)Computer']);
    a11y.push(await violationsOf(admin, 'computer-search-suggested'));

    await search.getByText('Management servers', { exact: true }).click();
    await results.getByRole('cell', { name: 'Management server', exact: true }).first().waitFor();
    const servers = await api<{ items: { name: string }[] }>(server.url, 'GET', '/api/v1/servers', { token });
    expect(servers.body.items.length).toBeGreaterThan(0);
    expect((await rowsOf()).sort()).toEqual(
      servers.body.items.map((m) => `${m.name}Management server`).sort(),
    );

    // The suggestion taken: distributed to app02, and nothing is suggested any more.
    await search.getByText('Suggested', { exact: true }).click();
    await search.getByLabel('Choose app02.contoso.com').check();
    await search.getByRole('button', { name: /^Add/ }).click();
    await admin.getByRole('button', { name: 'Save distribution' }).click();
    await admin.getByText('Distribution saved.').waitFor();
    const saved = await api<{ distribution: { approved: string[] } }>(
      server.url,
      'GET',
      `/api/v1/accounts/${account.id}`,
      { token },
    );
    expect(saved.body.distribution.approved).toEqual([app02.id]);
    const suggested = await api<{ suggested: string[]; alreadyApproved: string[] }>(
      server.url,
      'GET',
      `/api/v1/accounts/${account.id}/distribution/suggested`,
      { token },
    );
    expect(suggested.body).toMatchObject({ suggested: [], alreadyApproved: [app02.id] });
    await admin.getByRole('button', { name: 'Add…' }).click();
    await search.getByText('Suggested', { exact: true }).click();
    await search.getByText('No computer hosting an object this account targets lacks it.').waitFor();
    await search.getByRole('button', { name: 'Cancel' }).click();
  }, 60_000);

  it('loads under 300 KB gzipped from / through sign-in to the first page, and nothing the size check leaves out', async () => {
    requireBrowser();
    const page = await openPage();
    const fetched: { path: string; encoding: string | undefined; size: Promise<number> }[] = [];
    page.on('response', (res) => {
      const url = new URL(res.url());
      if (url.origin !== new URL(server.url).origin || url.pathname.startsWith('/api/')) return;
      fetched.push({
        path: url.pathname,
        encoding: res.headers()['content-encoding'],
        size: res
          .request()
          .sizes()
          .then((s) => s.responseBodySize),
      });
    });
    await signInThroughPage(page, 'admin', ADMIN_PASSWORD);
    await page
      .getByRole('table', { name: 'Run As accounts' })
      .getByText('Notification action account')
      .waitFor();
    const sizes = await Promise.all(fetched.map((f) => f.size));
    const total = sizes.reduce((a, b) => a + b, 0);
    console.info(`console first load in Chromium: ${total} bytes in ${fetched.length} files`);
    expect(total).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
    // Asked for gzip, and given it: the entry script came compressed.
    expect(fetched.find((f) => /^\/assets\/index-.*\.js$/.test(f.path))?.encoding).toBe('gzip');
    // The build-time check (test/console/first-load.test.ts) counts the same files.
    const assets = (paths: string[]) => [...new Set(paths.filter((p) => p.startsWith('/assets/')))].sort();
    expect(assets(fetched.map((f) => f.path))).toEqual(assets(firstLoadPaths()));
    await page.context().close();
  }, 60_000);

  it('works in the dark theme and in a narrow window (the navigation behind its button)', async () => {
    requireBrowser();
    await admin.goto(`${server.url}/run-as/accounts`);
    await admin.getByRole('button', { name: 'Use the dark theme' }).click();
    await admin.locator('html[data-mantine-color-scheme="dark"]').waitFor({ state: 'attached' });
    a11y.push(await violationsOf(admin, 'accounts-dark'));
    await admin.getByRole('link', { name: 'Profiles', exact: true }).click();
    await admin.getByLabel('Find a profile').waitFor();
    a11y.push(await violationsOf(admin, 'profiles-dark'));
    await admin.getByRole('button', { name: 'Use the light theme' }).click();

    await admin.setViewportSize({ width: 390, height: 844 });
    try {
      await admin.goto(`${server.url}/run-as/accounts`);
      const menu = admin.getByRole('button', { name: 'Navigation' });
      await menu.waitFor();
      // The navigation is off to the side until its button opens it.
      const link = admin.getByRole('link', { name: 'Profiles', exact: true });
      expect((await link.boundingBox())?.x ?? -1).toBeLessThan(0);
      await menu.click();
      await admin.getByRole('link', { name: 'Profiles', exact: true }).click();
      await admin.getByLabel('Find a profile').waitFor();
      // The page fits the window's width: nothing to scroll sideways but what scrolls inside itself.
      const overflow = (await admin.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      )) as number;
      expect(overflow).toBeLessThanOrEqual(1);
      a11y.push(await violationsOf(admin, 'profiles-narrow'));
    } finally {
      await admin.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('says when an account is created but its distribution is refused, and saves the distribution again without creating the account twice', async () => {
    requireBrowser();
    const token = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const computer = await api<{ id: string }>(server.url, 'POST', '/api/v1/computers', {
      token,
      body: { name: 'sql02.contoso.com' },
    });
    expect(computer.status).toBe(201);
    await admin.getByRole('link', { name: 'Accounts', exact: true }).click();
    await admin.getByRole('button', { name: 'Create Run As Account' }).click();
    const wizard = admin.getByRole('dialog', { name: 'Create Run As Account' });
    await wizard.getByLabel('Run As account type').selectOption({ label: 'Basic Authentication' });
    await wizard.getByLabel('Display name').fill('SQL02 web account');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('User name').fill('web');
    await wizard.getByLabel('Password', { exact: true }).fill(ACCOUNT_SECRET);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Choose sql02.contoso.com').check();
    // The computer goes away while the wizard is open: the server refuses the distribution.
    const removed = await api(server.url, 'DELETE', `/api/v1/computers/${computer.body.id}`, { token });
    expect(removed.status).toBe(200);
    await wizard.getByRole('button', { name: 'Create' }).click();
    await wizard.getByText(/^The account is created, but its distribution is not saved: .*'cmp_/).waitFor();
    expect(await wizard.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    await wizard.getByLabel('Choose sql02.contoso.com').uncheck();
    await wizard.getByLabel('Choose Automation Pool').check();
    await wizard.getByRole('button', { name: 'Save distribution' }).click();
    await admin.waitForURL(/\/run-as\/accounts\/acct_[^?]+\?tab=distribution$/);
    await admin.getByRole('table', { name: 'Approved targets' }).getByText('Automation Pool').waitFor();

    const accounts = await api<{ items: { name: string; distribution: unknown }[] }>(
      server.url,
      'GET',
      '/api/v1/accounts',
      { token },
    );
    const made = accounts.body.items.filter((a) => a.name === 'SQL02 web account');
    expect(made).toEqual([
      expect.objectContaining({ distribution: { security: 'more-secure', approved: ['pool_automation'] } }),
    ]);
  }, 60_000);

  it('shows a role that may not create accounts no button, and the server refuses it when forced (403)', async () => {
    const token = await signIn(server.url, 'admin', ADMIN_PASSWORD);
    const created = await api(server.url, 'POST', '/api/v1/users', {
      token,
      body: { username: 'olga', role: 'operator', password: 'olga one-time password' },
    });
    expect(created.status).toBe(201);
    const page = await openPage();
    await signInThroughPage(page, 'olga', 'olga one-time password');
    await changePasswordThroughPage(page, 'olga one-time password', OPERATOR_PASSWORD);
    await page.getByText('The Operator role may not do this (needs accounts.manage).').waitFor();
    expect(await page.getByRole('button', { name: 'Create Run As Account' }).count()).toBe(0);
    a11y.push(await violationsOf(page, 'accounts-operator'));

    const forced = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/accounts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ name: 'forced', credential: { type: 'token', token: 'forced-token' } }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(forced.status).toBe(403);
    expect(forced.body.error.code).toBe('FORBIDDEN');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Steward' }).waitFor();
    await page.context().close();
  }, 60_000);

  it('never received a secret and broke no CSP rule', () => {
    requireBrowser();
    expect(answers.length).toBeGreaterThan(10);
    for (const a of answers) {
      expect(a.body, a.url).not.toContain(ACCOUNT_SECRET);
      expect(a.body, a.url).not.toContain(oneTimePassword);
      expect(a.body, a.url).not.toContain('stw_');
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
    expect(cspReports).toEqual([]);
  });

  it('has no serious or critical accessibility violation on the main pages', () => {
    requireBrowser();
    expect(a11y.length).toBeGreaterThanOrEqual(8);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
