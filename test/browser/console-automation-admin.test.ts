// Proves the console's Automation administration pages in a real Chromium against a real `steward server`
// process: a weekly schedule in a chosen time zone created and linked to a runbook with a parameter value, then
// disabled; a credential and an encrypted variable whose secrets never come back in any API answer; the
// system-assigned identity turned on, a user-assigned identity created and attached, and a role assigned to the
// identity (each checked through the API); a hybrid worker group created; the legacy Run As advisory, the
// dry-run migration report (nothing changed) and the migration run from the page. axe-core checks each page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
} from '../support/server-process.js';
import { seedAutomation } from './automation-seed.js';
import {
  type ConsoleStage,
  screenshot,
  seriousViolations,
  signedInPage,
  startConsoleStage,
} from './browser.js';

const ADMIN_PASSWORD = 'automation admin pages password 1';
const CREDENTIAL_PASSWORD = 'credential-password-never-shown-7Q';
const VARIABLE_SECRET = 'encrypted-variable-never-shown-3Z';

let server: ServerProcess;
let stage: ConsoleStage | undefined;
let adminToken = '';
let opsId = '';
let legacyId = '';
let helloId = '';
const a11y: { page: string; violations: unknown[] }[] = [];
const answers: { url: string; body: string }[] = [];

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(server.url, method, path, { token: adminToken, body });

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server } = stage);
  adminToken = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), ADMIN_PASSWORD);
  // An account without an identity (the console turns it on), with a published runbook that takes a parameter;
  // an account still on a legacy Run As account, with a runbook that signs in with it.
  ({ opsId, helloId, legacyId } = await seedAutomation(server.url, adminToken));
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

const signedIn = () => signedInPage(stage, 'admin', ADMIN_PASSWORD, (a) => answers.push(a));

const check = async (page: Page, name: string) => {
  await screenshot(page, `automation-admin-${name}`);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** Picks an option of a Mantine select (optionally typing to search first). */
async function choose(page: Page, label: string | RegExp, option: string, search?: string) {
  const input = page.getByRole('combobox', { name: label });
  await input.click();
  if (search) await input.fill(search);
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('the Automation administration pages of the web console', () => {
  let admin: Page | undefined;

  it('creates a weekly schedule in a time zone, links it to a runbook with a parameter, and disables it', async () => {
    admin ??= await signedIn();
    await admin.goto(`${server.url}/automation/accounts/${opsId}?tab=schedules`);
    await admin.getByText('No schedules').waitFor();
    await admin.getByRole('button', { name: 'Create schedule' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create schedule' });
    // The contract's own rule, before anything is sent.
    await dialog.getByLabel(/^Name/).fill('1 bad');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Name must start with a letter').waitFor();
    await dialog.getByLabel(/^Name/).fill('Nightly');
    await choose(admin, 'Recurrence', 'Weekly');
    await choose(admin, 'Time zone', 'Europe/Paris', 'Europe/Par');
    await dialog.getByLabel(/^Starts/).fill('2031-03-03T02:30');
    await dialog.getByText('Mon', { exact: true }).click();
    await dialog.getByText('Wed', { exact: true }).click();
    await dialog.getByRole('button', { name: 'Create' }).click();
    const table = admin.getByRole('table', { name: 'Schedules' });
    await table.getByText('Every week on monday, wednesday').waitFor();

    await admin.getByRole('button', { name: 'Link runbook to Nightly' }).click();
    const link = admin.getByRole('dialog', { name: 'Link a runbook to Nightly' });
    await link.getByLabel('Name (optional)').fill('scheduled');
    await link.getByRole('button', { name: 'Link' }).click();
    await table.getByText('Hello').waitFor();
    await check(admin, 'schedules');

    const listed = await call<{ items: Record<string, unknown>[] }>(
      'GET',
      `/api/v1/automation-accounts/${opsId}/schedules`,
    );
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        name: 'Nightly',
        frequency: 'week',
        timeZone: 'Europe/Paris',
        weekDays: ['monday', 'wednesday'],
        // 02:30 on the Paris wall clock (UTC+1 in March before the change).
        startTime: '2031-03-03T01:30:00.000Z',
        enabled: true,
        links: [
          expect.objectContaining({ runbookId: helloId, parameters: { Name: 'scheduled' }, runOn: 'cloud' }),
        ],
      }),
    ]);

    await admin.getByRole('switch', { name: 'Nightly enabled' }).click({ force: true });
    await expect
      .poll(
        async () =>
          (
            await call<{ items: { enabled: boolean }[] }>(
              'GET',
              `/api/v1/automation-accounts/${opsId}/schedules`,
            )
          ).body.items[0]?.enabled,
      )
      .toBe(false);
  }, 45_000);

  it('adds a credential and an encrypted variable whose secrets never come back', async () => {
    admin ??= await signedIn();
    await admin.goto(`${server.url}/automation/accounts/${opsId}?tab=assets`);
    await admin.getByText('No credentials').waitFor();
    await admin.getByRole('button', { name: 'Add credential' }).click();
    const cred = admin.getByRole('dialog', { name: 'Add credential' });
    await cred.getByLabel(/^Name/).fill('SqlLogin');
    await cred.getByLabel(/^User name/).fill('sa');
    await cred.getByLabel(/^Password/).fill(CREDENTIAL_PASSWORD);
    await cred.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('table', { name: 'Credentials' }).getByText('SqlLogin').waitFor();

    await admin.getByRole('button', { name: 'Add variable' }).click();
    const variable = admin.getByRole('dialog', { name: 'Add variable' });
    await variable.getByLabel(/^Name/).fill('ApiKey');
    await variable.getByRole('checkbox', { name: 'Encrypted' }).check();
    await variable.getByLabel('Value', { exact: true }).fill(VARIABLE_SECRET);
    await variable.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('table', { name: 'Variables' }).getByText('Encrypted · never shown').waitFor();
    await check(admin, 'assets');

    const credential = await call<Record<string, unknown>>(
      'GET',
      `/api/v1/automation-accounts/${opsId}/credentials/SqlLogin`,
    );
    expect(credential.body).toMatchObject({ kind: 'credential', userName: 'sa' });
    expect(await admin.content()).not.toContain(CREDENTIAL_PASSWORD);
  }, 30_000);

  it('changes a variable and a credential in place, the name kept and the password asked for again', async () => {
    admin ??= await signedIn();
    await admin.goto(`${server.url}/automation/accounts/${opsId}?tab=assets`);
    await admin.getByRole('button', { name: 'Add variable' }).click();
    const adding = admin.getByRole('dialog', { name: 'Add variable' });
    await adding.getByLabel(/^Name/).fill('Region');
    await adding.getByLabel('Value', { exact: true }).fill('westeurope');
    await adding.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('table', { name: 'Variables' }).getByText('westeurope').waitFor();

    await admin.getByRole('button', { name: 'Change Region' }).click();
    const variable = admin.getByRole('dialog', { name: 'Change variable Region' });
    expect(await variable.getByLabel(/^Name/).inputValue()).toBe('Region');
    expect(await variable.getByLabel(/^Name/).getAttribute('readonly')).not.toBeNull();
    expect(await variable.getByLabel('Value', { exact: true }).inputValue()).toBe('westeurope');
    await variable.getByLabel('Value', { exact: true }).fill('northeurope');
    await variable.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('table', { name: 'Variables' }).getByText('northeurope').waitFor();
    const region = await call<{ value: unknown }>(
      'GET',
      `/api/v1/automation-accounts/${opsId}/variables/Region`,
    );
    expect(region.body.value).toBe('northeurope');

    await admin.getByRole('button', { name: 'Change SqlLogin' }).click();
    const cred = admin.getByRole('dialog', { name: 'Change credential SqlLogin' });
    expect(await cred.getByLabel(/^User name/).inputValue()).toBe('sa');
    // The password is never read back: its input starts empty, and the change asks for it again.
    expect(await cred.getByLabel(/^Password/).inputValue()).toBe('');
    await cred.getByText(/enter it again to keep it/).waitFor();
    await check(admin, 'asset-change');
    await cred.getByLabel(/^User name/).fill('svc_sql');
    await cred.getByRole('button', { name: 'Save' }).click();
    // Without the password the change is refused in the form, and the dialog stays open.
    await cred.getByText(/too small|at least|>=1/i).waitFor();
    expect(await cred.isVisible()).toBe(true);
    const unchanged = await call<Record<string, unknown>>(
      'GET',
      `/api/v1/automation-accounts/${opsId}/credentials/SqlLogin`,
    );
    expect(unchanged.body).toMatchObject({ userName: 'sa' });
    await cred.getByLabel(/^Password/).fill(`${CREDENTIAL_PASSWORD}-2`);
    await cred.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('table', { name: 'Credentials' }).getByText('svc_sql').waitFor();
    const credential = await call<Record<string, unknown>>(
      'GET',
      `/api/v1/automation-accounts/${opsId}/credentials/SqlLogin`,
    );
    expect(credential.body).toMatchObject({ kind: 'credential', userName: 'svc_sql' });
    expect(JSON.stringify(credential.body)).not.toContain(CREDENTIAL_PASSWORD);
    expect(await admin.content()).not.toContain(CREDENTIAL_PASSWORD);
  }, 45_000);

  it('turns the system identity on, attaches a new user-assigned identity and assigns the identity a role', async () => {
    admin ??= await signedIn();
    await admin.getByRole('link', { name: 'Identities' }).click();
    await admin.getByText('No user-assigned identities').waitFor();
    await admin.getByRole('button', { name: 'Create user-assigned identity' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create user-assigned identity' });
    await dialog.getByLabel(/^Name/).fill('deployer');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('table', { name: 'User-assigned identities' }).getByText('deployer').waitFor();
    await check(admin, 'identities');

    await admin.goto(`${server.url}/automation/accounts/${opsId}?tab=identity`);
    const system = admin.getByRole('switch', { name: 'System-assigned identity' });
    expect(await system.isChecked()).toBe(false);
    await system.click({ force: true });
    await admin.getByText(/^Principal [0-9a-f-]{36}/).waitFor();
    await choose(admin, 'User-assigned identity to attach', 'deployer');
    await admin.getByRole('button', { name: 'Attach' }).click();
    await admin
      .getByRole('table', { name: 'User-assigned identities of the account' })
      .getByText('deployer')
      .waitFor();

    await admin.getByRole('button', { name: 'Assign role' }).click();
    const assign = admin.getByRole('dialog', { name: 'Assign role' });
    await choose(admin, 'Role', 'Contributor');
    await assign.getByRole('button', { name: 'Assign' }).click();
    const roles = admin.getByRole('table', { name: "Role assignments of the account's identities" });
    await roles.getByText('Contributor').waitFor();
    await check(admin, 'identity');

    const account = await call<{
      identity: { type: string; principalId: string; userAssignedIdentities: unknown[] };
    }>('GET', `/api/v1/automation-accounts/${opsId}`);
    expect(account.body.identity.type).toBe('SystemAssigned, UserAssigned');
    expect(account.body.identity.userAssignedIdentities).toHaveLength(1);
    const assigned = await call<{ items: unknown[] }>(
      'GET',
      `/api/v1/role-assignments?principalId=${account.body.identity.principalId}`,
    );
    expect(assigned.body.items).toEqual([
      expect.objectContaining({
        principalType: 'SystemAssigned',
        role: 'Contributor',
        scope: `/automationAccounts/${opsId}`,
      }),
    ]);
  }, 45_000);

  it('creates a hybrid worker group that jobs can be started on', async () => {
    admin ??= await signedIn();
    await admin.getByRole('link', { name: 'Hybrid Worker Groups' }).click();
    await admin.getByText('No hybrid worker groups').waitFor();
    await admin.getByRole('button', { name: 'Create worker group' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create worker group' });
    await dialog.getByLabel(/^Name/).fill('linux-workers');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await admin.getByRole('heading', { name: 'linux-workers' }).waitFor();
    await admin.getByText('No agents').waitFor();
    await check(admin, 'worker-group');

    await admin.goto(`${server.url}/automation/runbooks/${helloId}`);
    await admin.getByRole('button', { name: 'Start' }).click();
    await choose(admin, 'Run on', 'Hybrid worker group linux-workers (0 of 0 available)');
    await admin.getByRole('dialog', { name: 'Start Hello' }).getByRole('button', { name: 'Start' }).click();
    await admin.waitForURL(/\/automation\/jobs\/job_[a-z0-9]+$/);
    const jobId = /jobs\/(job_[a-z0-9]+)/.exec(admin.url())![1]!;
    const job = await call<{ runOn: string }>('GET', `/api/v1/jobs/${jobId}`);
    expect(job.body.runOn).toMatch(/^hwg_/);
  }, 30_000);

  it('shows the Run As advisory and the dry-run report, then migrates from the page', async () => {
    admin ??= await signedIn();
    await admin.goto(`${server.url}/automation/accounts/${legacyId}?tab=run-as`);
    await admin.getByText('Run As accounts are retired: move to the managed identity').waitFor();
    await admin.getByText(/Used by the runbooks Report/).waitFor();
    await admin.getByText(/days left$/).waitFor();
    await admin.getByRole('button', { name: 'Preview migration (dry run)' }).click();
    const report = admin.getByRole('region', { name: 'Migration report' });
    await report.getByText('Dry run: nothing was changed').waitFor();
    await report.getByText('The system-assigned identity would be turned on.').waitFor();
    await report
      .getByRole('code', { name: 'Changes to Report' })
      .or(report.getByLabel('Changes to Report'))
      .first()
      .waitFor();
    await check(admin, 'run-as');
    const before = await call<{ identity: { type: string } }>(
      'GET',
      `/api/v1/automation-accounts/${legacyId}`,
    );
    expect(before.body.identity.type).toBe('None');

    await admin.getByRole('button', { name: 'Migrate', exact: true }).click();
    await report.getByText('Migration done').waitFor();
    const after = await call<{ identity: { type: string } }>(
      'GET',
      `/api/v1/automation-accounts/${legacyId}`,
    );
    expect(after.body.identity.type).toBe('SystemAssigned');
  }, 30_000);

  it('never received a secret the test set, and no page has a serious accessibility violation', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) {
      expect(a.body, a.url).not.toContain(CREDENTIAL_PASSWORD);
      expect(a.body, a.url).not.toContain(VARIABLE_SECRET);
      expect(a.body, a.url).not.toMatch(/PRIVATE KEY/);
    }
    expect(a11y.length).toBeGreaterThanOrEqual(6);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
