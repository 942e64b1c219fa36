// Proves the console's Policy page in a real Chromium against a real `steward server` process: an administrator
// sees the built-in definitions and the server's default assignment (not removable), is stopped by the contract's
// schema before anything is sent, assigns "should have a managed identity" at one automation account through the
// dialog (checked through the API), sees that account non-compliant and the other compliant, then removes the
// assignment after confirming (gone from the API and from the compliance). An author, whom the server refuses
// assignments, sees definitions and compliance but no Assign button, the reason instead, and is refused (403)
// when forcing one. axe-core checks the page and the dialog.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createActiveUser,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
} from '../support/server-process.js';
import {
  type ConsoleStage,
  forcedFromPage,
  screenshot,
  seriousViolations,
  signedInPage,
  startConsoleStage,
} from './browser.js';

const ADMIN_PASSWORD = 'policy page admin password 1';
const AUTHOR_PASSWORD = 'policy page author password 1';
const MANAGED_IDENTITY = 'Automation accounts should have a managed identity';

let server: ServerProcess;
let stage: ConsoleStage | undefined;
let adminToken = '';
let opsId = '';
let signedId = '';
const a11y: { page: string; violations: unknown[] }[] = [];

type Assignment = { id: string; definitionId: string; scope: string; effect: string; origin: string };
type Compliance = { resource: { id: string }; definitionId: string; assignmentId: string; state: string };

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(server.url, method, path, { token: adminToken, body });

async function created(path: string, body: unknown): Promise<string> {
  const res = await call<{ id: string }>('POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server } = stage);
  adminToken = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), ADMIN_PASSWORD);
  // One account without a managed identity (non-compliant once assigned), one with (compliant).
  opsId = await created('/api/v1/automation-accounts', { name: 'ops', identity: { type: 'None' } });
  signedId = await created('/api/v1/automation-accounts', {
    name: 'signed',
    identity: { type: 'SystemAssigned' },
  });
  await createActiveUser(server.url, adminToken, {
    username: 'ada',
    role: 'author',
    password: AUTHOR_PASSWORD,
  });
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

const signedIn = (username: string, password: string) => signedInPage(stage, username, password);

const check = async (page: Page, name: string) => {
  await screenshot(page, `policy-${name}`);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** Picks an option of a Mantine select. */
async function choose(page: Page, label: string | RegExp, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const assignments = async () =>
  (await call<{ items: Assignment[] }>('GET', '/api/v1/policy/assignments')).body.items;

describe('the Policy page of the web console', () => {
  it('assigns a policy at an account through the dialog, shows its compliance, and removes it after confirming', async () => {
    const page = await signedIn('admin', ADMIN_PASSWORD);
    const posts: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().includes('/api/v1/policy/')) posts.push(req.url());
    });
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('heading', { name: 'Policy', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Policy definitions' }).getByText(MANAGED_IDENTITY).waitFor();
    // The server's default assignment is listed, and cannot be removed from here.
    const table = page.getByRole('table', { name: 'Policy assignments' });
    await table.getByText('No new certificate Run As accounts').waitFor();
    await table.getByText(/STEWARD_RUNAS_POLICY_EFFECT/).waitFor();
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await check(page, 'page');

    await page.getByRole('button', { name: 'Assign policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Assign policy' });
    // The contract's own rule, before anything is sent.
    await dialog.getByRole('button', { name: 'Assign' }).click();
    await dialog.getByText('Choose a policy definition.').waitFor();
    expect(posts).toEqual([]);
    // A definition with parameters offers them, each left empty taking its default; its default effect is chosen.
    await choose(page, /^Policy definition/, 'No new certificate Run As accounts');
    await dialog.getByLabel('creationEndsOn').waitFor();
    expect(await page.getByRole('combobox', { name: /^Effect/ }).inputValue()).toBe('Deny');
    await choose(page, /^Policy definition/, MANAGED_IDENTITY);
    expect(await dialog.getByLabel('creationEndsOn').count()).toBe(0);
    expect(await dialog.getByText('Choose a policy definition.').count()).toBe(0);
    expect(await page.getByRole('combobox', { name: /^Effect/ }).inputValue()).toBe('Audit');
    await choose(page, /^Scope/, 'ops');
    await check(page, 'dialog');
    await dialog.getByRole('button', { name: 'Assign' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = table.getByRole('row').filter({ hasText: MANAGED_IDENTITY });
    await row.getByText('ops', { exact: true }).waitFor();

    const made = (await assignments()).filter((a) => a.origin === 'api');
    expect(made).toEqual([
      expect.objectContaining({
        definitionId: 'automation-account-managed-identity',
        scope: `/automationAccounts/${opsId}`,
        effect: 'Audit',
      }),
    ]);
    const assignmentId = made[0]!.id;

    // Compliance: the account without an identity is non-compliant, with the reason; the filter keeps it alone.
    const compliance = page.getByRole('table', { name: 'Policy compliance' });
    const opsRow = compliance.getByRole('row').filter({ hasText: assignmentId });
    await opsRow.getByText('Non-compliant').waitFor();
    await opsRow.getByText("Automation account 'ops' has no managed identity").first().waitFor();
    await page.locator('label', { hasText: /^Non-compliant$/ }).click();
    expect(await page.getByRole('radio', { name: 'Non-compliant' }).isChecked()).toBe(true);
    await expect.poll(() => compliance.getByText('Compliant', { exact: true }).count()).toBe(0);
    await compliance.getByText(assignmentId).waitFor();
    await check(page, 'compliance');
    const reached = await call<{ items: Compliance[] }>(
      'GET',
      `/api/v1/policy/compliance?assignmentId=${assignmentId}`,
    );
    expect(reached.body.items).toEqual([
      expect.objectContaining({ resource: expect.objectContaining({ id: opsId }), state: 'non-compliant' }),
    ]);

    await page.getByRole('button', { name: `Remove ${MANAGED_IDENTITY} at ops` }).click();
    const confirm = page.getByRole('dialog', { name: `Remove ${MANAGED_IDENTITY}` });
    await confirm.getByText(/its Audit effect ends at once/).waitFor();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await confirm.waitFor({ state: 'detached' });
    await table.getByText(MANAGED_IDENTITY).waitFor({ state: 'detached' });
    await compliance.getByText(assignmentId).waitFor({ state: 'detached' });
    expect((await assignments()).map((a) => a.origin)).toEqual(['configuration']);
    const after = await call<{ items: Compliance[] }>('GET', '/api/v1/policy/compliance');
    expect(after.body.items.filter((r) => r.assignmentId === assignmentId)).toEqual([]);
    expect(after.body.items.map((r) => r.resource.id).sort()).toEqual([opsId, signedId].sort());
    await page.context().close();
  }, 60_000);

  it('gives an author, whom the server refuses assignments, no Assign button but the reason, and a 403 when forced', async () => {
    const before = await assignments();
    const page = await signedIn('ada', AUTHOR_PASSWORD);
    await page.goto(`${server.url}/automation/policy`);
    await page.getByRole('heading', { name: 'Policy', exact: true }).waitFor();
    await page
      .getByText('The Author role may not do this (needs policy.assign).', { exact: false })
      .waitFor();
    await page.getByRole('table', { name: 'Policy definitions' }).getByText(MANAGED_IDENTITY).waitFor();
    await page.getByRole('table', { name: 'Policy compliance' }).getByText('signed').first().waitFor();
    expect(await page.getByRole('button', { name: 'Assign policy' }).count()).toBe(0);
    expect(await page.getByRole('table', { name: 'Policy assignments' }).count()).toBe(0);
    await check(page, 'author');

    const forced = await forcedFromPage(page, 'POST', '/api/v1/policy/assignments', {
      definitionId: 'automation-account-managed-identity',
      scope: `/automationAccounts/${opsId}`,
    });
    expect(forced).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'FORBIDDEN' }) } });
    expect(await assignments()).toEqual(before);
    await page.context().close();
  }, 45_000);

  it('has no serious or critical accessibility violation on the page or the dialog', () => {
    expect(a11y.map((p) => p.page)).toEqual(['page', 'dialog', 'compliance', 'author']);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
