// Proves that the console offers each role only what the server lets it do, in a real Chromium against a real
// `steward server` process: a Read-only Operator walks the Automation pages (accounts, an account's runbooks,
// schedules, webhooks, assets with its connection types, identity and Run As tabs, a runbook and its editor, jobs,
// worker groups, identities and role assignments, policy) and finds no create, edit, delete, publish, start,
// assign or migrate action, or finds it disabled with the reason on the page; an Operator finds Start, Stop and
// the test pane but nothing that manages (no connection type to add, change or delete either); no page the walk
// opens asks for something the server refuses. Changes forced from the page with the session and its CSRF token
// (connection types defined or deleted among them) are refused (403, the API's error body naming the permission)
// and change nothing, while the Operator's forced start is accepted. The Notifications section tells a Read-only
// Operator why it is closed to them, without any refused request. axe-core checks the pages.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createActiveUser,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
} from '../support/server-process.js';
import { type AutomationSeed, seedAutomation } from './automation-seed.js';
import {
  type ApiAnswer,
  type ConsoleStage,
  forcedFromPage,
  screenshot,
  seriousViolations,
  signedInPage,
  startConsoleStage,
} from './browser.js';

const ADMIN_PASSWORD = 'console roles admin password 1';
const READER = { username: 'rory', role: 'read-only-operator', password: 'console roles reader password 1' };
const OPERATOR = { username: 'otto', role: 'operator', password: 'console roles operator password 1' };
const SLOW = 'i=1; while [ $i -le 120 ]; do echo "tick $i"; i=$((i + 1)); sleep 1; done\n';
const refusal = (role: string, permission: string) =>
  `The ${role} role may not do this (needs ${permission}).`;
const READ_ONLY = (permission: string) => refusal('Read-only Operator', permission);

let server: ServerProcess;
let stage: ConsoleStage | undefined;
let adminToken = '';
let seed: AutomationSeed;
let scheduleId = '';
let webhookId = '';
let groupId = '';
let uamiId = '';
let slowId = '';
/** Answers of the API the server refused to what the pages asked for, by user. */
const refused: Record<string, ApiAnswer[]> = { [READER.username]: [], [OPERATOR.username]: [] };
const a11y: { page: string; violations: unknown[] }[] = [];

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(server.url, method, path, { token: adminToken, body });

async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await call<T>(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server } = stage);
  adminToken = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), ADMIN_PASSWORD);
  seed = await seedAutomation(server.url, adminToken);
  const { opsId, helloId } = seed;
  // A second published version, so an author would see a rollback.
  await ok('PUT', `/api/v1/runbooks/${helloId}/draft`, { content: 'echo "hello again $PARAM_Name"\n' });
  await ok('POST', `/api/v1/runbooks/${helloId}/publish`);
  slowId = (
    await ok<{ id: string }>('POST', `/api/v1/automation-accounts/${opsId}/runbooks`, {
      name: 'Slow',
      type: 'shell',
      content: SLOW,
    })
  ).id;
  await ok('POST', `/api/v1/runbooks/${slowId}/publish`);
  scheduleId = (
    await ok<{ id: string }>('POST', `/api/v1/automation-accounts/${opsId}/schedules`, {
      name: 'Nightly',
      frequency: 'day',
      startTime: '2031-03-03T02:30:00.000Z',
    })
  ).id;
  await ok('PUT', `/api/v1/schedules/${scheduleId}/links/${helloId}`, { parameters: { Name: 'night' } });
  webhookId = (
    await ok<{ id: string }>('POST', `/api/v1/automation-accounts/${opsId}/webhooks`, {
      name: 'Hook',
      runbookId: helloId,
    })
  ).id;
  await ok('PUT', `/api/v1/automation-accounts/${opsId}/variables/Region`, { value: 'west' });
  await ok('PUT', `/api/v1/automation-accounts/${opsId}/connection-types/RestApi`, {
    fields: [{ name: 'Url' }, { name: 'ApiKey', encrypted: true }],
  });
  uamiId = (await ok<{ id: string }>('POST', '/api/v1/user-assigned-identities', { name: 'deployer' })).id;
  const ops = await ok<{ identity: { principalId: string } }>(
    'PATCH',
    `/api/v1/automation-accounts/${opsId}`,
    {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [uamiId] },
    },
  );
  await ok('POST', '/api/v1/role-assignments', {
    principalId: ops.identity.principalId,
    role: 'Contributor',
    scope: `/automationAccounts/${opsId}`,
  });
  groupId = (await ok<{ id: string }>('POST', '/api/v1/worker-groups', { name: 'linux-workers' })).id;
  await createActiveUser(server.url, adminToken, READER);
  await createActiveUser(server.url, adminToken, OPERATOR);
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

const signedIn = (user: { username: string; password: string }) =>
  signedInPage(stage, user.username, user.password, (a) => {
    // Before signing in, the console asks who is signed in and is told no one (401): that is no refusal.
    const signedOut = a.status === 401 && new URL(a.url).pathname === '/api/v1/auth/session';
    if (a.status >= 400 && !signedOut) refused[user.username]!.push(a);
  });

const check = async (page: Page, name: string) => {
  await screenshot(page, `roles-${name}`);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** None of these buttons (names matched whole) is on the page. */
async function noButtons(page: Page, names: (string | RegExp)[]) {
  for (const name of names)
    expect(await page.getByRole('button', { name, exact: true }).count(), String(name)).toBe(0);
}

/** The control is there, disabled, and hovering it shows the reason. */
async function disabledWithReason(page: Page, control: Locator, reason: string) {
  expect(await control.isDisabled()).toBe(true);
  await control.hover({ force: true });
  await page.getByRole('tooltip', { name: reason }).waitFor();
  await page.mouse.move(0, 0);
}

describe('the console for roles that may not manage automation', () => {
  let reader: Page;
  let operator: Page;

  it('shows a read-only operator the automation accounts, runbooks, schedules, webhooks and assets with nothing to create, change or delete', async () => {
    const { opsId } = seed;
    reader = await signedIn(READER);
    await reader.getByRole('link', { name: 'Automation Accounts' }).click();
    await reader.getByRole('table', { name: 'Automation accounts' }).getByText('legacy-app').waitFor();
    await noButtons(reader, ['Create automation account']);

    await reader.getByRole('link', { name: 'ops', exact: true }).click();
    await reader.getByRole('table', { name: 'Runbooks' }).getByText('Hello').waitFor();
    await noButtons(reader, ['Create runbook']);
    await check(reader, 'reader-runbooks');

    await reader.getByRole('tab', { name: 'Schedules' }).click();
    const schedules = reader.getByRole('table', { name: 'Schedules' });
    await schedules.getByText('Nightly').waitFor();
    await noButtons(reader, ['Create schedule', 'Link runbook to Nightly', 'Edit Nightly', 'Delete Nightly']);
    await noButtons(reader, ['Unlink Hello from Nightly']);
    await disabledWithReason(
      reader,
      reader.getByRole('switch', { name: 'Nightly enabled' }),
      READ_ONLY('automation.manage'),
    );
    await check(reader, 'reader-schedules');

    await reader.getByRole('tab', { name: 'Webhooks' }).click();
    await reader.getByRole('table', { name: 'Webhooks' }).getByText('Hook').waitFor();
    await noButtons(reader, ['Create webhook']);

    await reader.getByRole('tab', { name: 'Assets' }).click();
    await reader.getByRole('table', { name: 'Variables' }).getByText('west').waitFor();
    await reader.getByRole('table', { name: 'Connection types' }).getByText('User-defined').waitFor();
    await noButtons(reader, [
      'Add variable',
      'Add credential',
      'Upload certificate',
      'Add connection',
      'Add connection type',
      /^Change /,
      /^Delete /,
    ]);
    await check(reader, 'reader-assets');
    expect(reader.url()).toContain(opsId);
    expect(refused[READER.username]).toEqual([]);
  }, 60_000);

  it("gives a read-only operator the account's identity and Run As tabs with every change disabled and the reason shown", async () => {
    await reader.getByRole('tab', { name: 'Identity' }).click();
    await reader
      .getByRole('table', { name: "Role assignments of the account's identities" })
      .getByText('Contributor')
      .waitFor();
    await disabledWithReason(
      reader,
      reader.getByRole('switch', { name: 'System-assigned identity' }),
      READ_ONLY('automation.manage'),
    );
    await disabledWithReason(
      reader,
      reader.getByRole('button', { name: 'Assign role' }),
      READ_ONLY('roles.assign'),
    );
    await noButtons(reader, ['Detach deployer', 'Attach', /^Remove /]);
    expect(await reader.getByRole('combobox', { name: 'User-assigned identity to attach' }).count()).toBe(0);
    await check(reader, 'reader-identity');

    await reader.goto(`${server.url}/automation/accounts/${seed.legacyId}?tab=run-as`);
    await reader.getByText('Run As accounts are retired: move to the managed identity').waitFor();
    expect(await reader.getByRole('button', { name: 'Preview migration (dry run)' }).isDisabled()).toBe(true);
    expect(await reader.getByRole('button', { name: 'Migrate', exact: true }).isDisabled()).toBe(true);
    await reader.getByText(READ_ONLY('automation.manage')).waitFor();
    await check(reader, 'reader-run-as');
    expect(refused[READER.username]).toEqual([]);
  }, 45_000);

  it('gives a read-only operator a runbook with no Start, Edit or rollback, and its editor read-only with the reasons', async () => {
    const { helloId } = seed;
    await reader.goto(`${server.url}/automation/runbooks/${helloId}`);
    await reader.getByRole('textbox', { name: 'Published code of Hello' }).waitFor();
    await noButtons(reader, ['Start']);
    expect(await reader.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    await reader.getByRole('tab', { name: 'Versions' }).click();
    await reader.getByRole('table', { name: 'Published versions' }).getByText('Current').waitFor();
    await noButtons(reader, [/^Roll back/]);
    await check(reader, 'reader-runbook');

    await reader.goto(`${server.url}/automation/runbooks/${helloId}/edit`);
    await reader.getByText(READ_ONLY('automation.manage')).waitFor();
    await reader.getByRole('region', { name: 'Test pane' }).getByText(READ_ONLY('automation.jobs')).waitFor();
    await noButtons(reader, ['Save draft', 'Publish', 'Revert to published', 'Add parameter', 'Start test']);
    expect(
      await reader.getByRole('textbox', { name: 'Draft of Hello' }).getAttribute('contenteditable'),
    ).toBe('false');
    await check(reader, 'reader-editor');
    expect(refused[READER.username]).toEqual([]);
  }, 45_000);

  it('shows a read-only operator jobs, worker groups, identities and policy with nothing to start, stop, create, delete or assign', async () => {
    const job = await ok<{ id: string }>('POST', `/api/v1/runbooks/${slowId}/jobs`, {});
    await reader.getByRole('link', { name: 'Jobs', exact: true }).click();
    await reader.getByRole('table', { name: 'Jobs' }).getByText('Slow').first().waitFor();
    await reader.goto(`${server.url}/automation/jobs/${job.id}`);
    await reader.getByRole('log', { name: 'Job streams' }).getByText('tick 1', { exact: true }).waitFor();
    await noButtons(reader, ['Stop']);
    await check(reader, 'reader-job');

    await reader.getByRole('link', { name: 'Hybrid Worker Groups' }).click();
    await reader.getByRole('link', { name: 'linux-workers' }).click();
    await reader.getByRole('heading', { name: 'linux-workers' }).waitFor();
    await reader.getByText('No agents').waitFor();
    await noButtons(reader, ['Delete group', 'Add agent', /^Remove /]);
    expect(await reader.getByLabel('Agent to add (computer name or id)').count()).toBe(0);
    expect(reader.url()).toContain(groupId);
    await reader.getByRole('link', { name: 'Hybrid Worker Groups' }).click();
    await reader.getByRole('heading', { name: 'Hybrid Worker Groups' }).waitFor();
    await noButtons(reader, ['Create worker group']);

    await reader.getByRole('link', { name: 'Identities' }).click();
    await reader.getByRole('table', { name: 'User-assigned identities' }).getByText('deployer').waitFor();
    await reader
      .getByRole('table', { name: 'Role assignments at the scope' })
      .getByRole('row')
      .filter({ hasText: `/automationAccounts/${seed.opsId}` })
      .getByText('Contributor')
      .waitFor();
    await noButtons(reader, ['Create user-assigned identity', 'Delete deployer', /^Remove /]);
    await disabledWithReason(
      reader,
      reader.getByRole('button', { name: 'Assign role' }),
      READ_ONLY('roles.assign'),
    );
    await check(reader, 'reader-identities');

    await reader.getByRole('link', { name: 'Policy' }).click();
    await reader.getByRole('table', { name: 'Policy definitions' }).waitFor();
    await reader.getByText(READ_ONLY('policy.assign'), { exact: false }).waitFor();
    await noButtons(reader, ['Assign policy', /^Remove /]);
    expect(await reader.getByRole('table', { name: 'Policy assignments' }).count()).toBe(0);
    await check(reader, 'reader-policy');
    expect(refused[READER.username]).toEqual([]);
    expect((await call('POST', `/api/v1/jobs/${job.id}/stop`)).status).toBe(200);
  }, 60_000);

  it('gives an operator Start, Stop and the test pane, but nothing that creates, edits, deletes, assigns or migrates', async () => {
    const { opsId, helloId, legacyId } = seed;
    operator = await signedIn(OPERATOR);
    await operator.goto(`${server.url}/automation/runbooks/${slowId}`);
    await operator.getByRole('button', { name: 'Start' }).click();
    await operator.getByRole('dialog', { name: 'Start Slow' }).getByRole('button', { name: 'Start' }).click();
    await operator.waitForURL(/\/automation\/jobs\/job_[a-z0-9]+$/);
    const jobId = /jobs\/(job_[a-z0-9]+)/.exec(operator.url())![1]!;
    await operator.getByRole('log', { name: 'Job streams' }).getByText('tick 1', { exact: true }).waitFor();
    await operator.getByRole('button', { name: 'Stop' }).click();
    await operator.getByText(/^Stopped · \d+ lines?$/).waitFor({ timeout: 20_000 });
    expect((await call<{ status: string }>('GET', `/api/v1/jobs/${jobId}`)).body.status).toBe('Stopped');

    await operator.goto(`${server.url}/automation/runbooks/${helloId}`);
    await operator.getByRole('textbox', { name: 'Published code of Hello' }).waitFor();
    expect(await operator.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    await operator.goto(`${server.url}/automation/runbooks/${helloId}/edit`);
    await operator.getByText(refusal('Operator', 'automation.manage')).waitFor();
    await operator
      .getByRole('region', { name: 'Test pane' })
      .getByRole('button', { name: 'Start test' })
      .waitFor();
    await noButtons(operator, ['Save draft', 'Publish', 'Add parameter']);
    await check(operator, 'operator-editor');

    await operator.goto(`${server.url}/automation/accounts/${opsId}?tab=schedules`);
    await operator.getByRole('table', { name: 'Schedules' }).getByText('Nightly').waitFor();
    await noButtons(operator, ['Create schedule', 'Edit Nightly', 'Delete Nightly']);
    expect(await operator.getByRole('switch', { name: 'Nightly enabled' }).isDisabled()).toBe(true);
    await operator.getByRole('tab', { name: 'Assets' }).click();
    await operator.getByRole('table', { name: 'Connection types' }).getByText('RestApi').waitFor();
    await noButtons(operator, ['Add connection type', /^Change connection type/, /^Delete connection type/]);
    await operator.getByRole('tab', { name: 'Identity' }).click();
    await disabledWithReason(
      operator,
      operator.getByRole('button', { name: 'Assign role' }),
      refusal('Operator', 'roles.assign'),
    );
    await operator.goto(`${server.url}/automation/accounts/${legacyId}?tab=run-as`);
    await operator.getByText(refusal('Operator', 'automation.manage')).waitFor();
    expect(await operator.getByRole('button', { name: 'Preview migration (dry run)' }).isDisabled()).toBe(
      true,
    );
    await operator.getByRole('link', { name: 'Automation Accounts' }).click();
    await operator.getByRole('table', { name: 'Automation accounts' }).getByText('ops').waitFor();
    await noButtons(operator, ['Create automation account']);
    await check(operator, 'operator-accounts');
    expect(refused[OPERATOR.username]).toEqual([]);
  }, 60_000);

  it('refuses every change forced from the pages (403, the error body naming the permission) and changes nothing; an operator may start a job', async () => {
    const { opsId, helloId, legacyId } = seed;
    const before = await Promise.all([
      call('GET', '/api/v1/automation-accounts'),
      call('GET', `/api/v1/automation-accounts/${opsId}/runbooks`),
      call('GET', `/api/v1/runbooks/${helloId}/content?version=draft`),
      call('GET', `/api/v1/automation-accounts/${opsId}/schedules`),
      call('GET', `/api/v1/automation-accounts/${opsId}/webhooks`),
      call('GET', `/api/v1/automation-accounts/${opsId}/variables/Region`),
      call('GET', `/api/v1/automation-accounts/${opsId}/connection-types`),
      call('GET', '/api/v1/user-assigned-identities'),
      call('GET', '/api/v1/role-assignments'),
      call('GET', '/api/v1/worker-groups'),
      call('GET', '/api/v1/policy/assignments'),
      call('GET', `/api/v1/automation-accounts/${legacyId}`),
    ]);
    const jobsBefore = (await call<{ items: unknown[] }>('GET', `/api/v1/jobs?runbook=${helloId}`)).body
      .items;

    const forced: [Page, string, string, string, unknown?][] = [
      [reader, 'automation.manage', 'POST', '/api/v1/automation-accounts', { name: 'forced' }],
      [
        reader,
        'automation.manage',
        'POST',
        `/api/v1/automation-accounts/${opsId}/runbooks`,
        { name: 'Forced', type: 'shell' },
      ],
      [reader, 'automation.manage', 'PUT', `/api/v1/runbooks/${helloId}/draft`, { content: 'echo forced\n' }],
      [reader, 'automation.manage', 'POST', `/api/v1/runbooks/${helloId}/publish`],
      [reader, 'automation.jobs', 'POST', `/api/v1/runbooks/${helloId}/jobs`, { parameters: { Name: 'x' } }],
      [reader, 'automation.manage', 'PATCH', `/api/v1/schedules/${scheduleId}`, { enabled: false }],
      [reader, 'automation.manage', 'DELETE', `/api/v1/webhooks/${webhookId}`],
      [
        reader,
        'automation.manage',
        'PUT',
        `/api/v1/automation-accounts/${opsId}/variables/Region`,
        { value: 'forced' },
      ],
      [
        reader,
        'automation.manage',
        'PUT',
        `/api/v1/automation-accounts/${opsId}/connection-types/Forced`,
        { fields: [{ name: 'Secret', encrypted: true }] },
      ],
      [
        reader,
        'automation.manage',
        'DELETE',
        `/api/v1/automation-accounts/${opsId}/connection-types/RestApi`,
      ],
      [reader, 'automation.manage', 'DELETE', `/api/v1/user-assigned-identities/${uamiId}`],
      [
        reader,
        'roles.assign',
        'POST',
        '/api/v1/role-assignments',
        { principalId: '00000000-0000-4000-8000-000000000000', role: 'Owner', scope: '/' },
      ],
      [
        reader,
        'automation.manage',
        'POST',
        `/api/v1/automation-accounts/${legacyId}/run-as-account/migrate`,
        { dryRun: true },
      ],
      [reader, 'automation.manage', 'DELETE', `/api/v1/worker-groups/${groupId}`],
      [
        reader,
        'policy.assign',
        'POST',
        '/api/v1/policy/assignments',
        { definitionId: 'automation-account-managed-identity', scope: `/automationAccounts/${opsId}` },
      ],
      [
        operator,
        'automation.manage',
        'PUT',
        `/api/v1/runbooks/${helloId}/draft`,
        { content: 'echo forced\n' },
      ],
      [operator, 'automation.manage', 'POST', `/api/v1/runbooks/${helloId}/publish`],
      [
        operator,
        'automation.manage',
        'PUT',
        `/api/v1/automation-accounts/${opsId}/connection-types/RestApi`,
        { fields: [{ name: 'Url' }] },
      ],
      [
        operator,
        'automation.manage',
        'DELETE',
        `/api/v1/automation-accounts/${opsId}/connection-types/RestApi`,
      ],
      [
        operator,
        'automation.manage',
        'POST',
        `/api/v1/automation-accounts/${legacyId}/run-as-account/migrate`,
        { dryRun: true },
      ],
      [
        operator,
        'roles.assign',
        'POST',
        '/api/v1/role-assignments',
        { principalId: '00000000-0000-4000-8000-000000000000', role: 'Owner', scope: '/' },
      ],
    ];
    for (const [page, permission, method, path, body] of forced) {
      const role = page === reader ? 'Read-only Operator' : 'Operator';
      expect(await forcedFromPage(page, method, path, body), `${role}: ${method} ${path}`).toEqual({
        status: 403,
        body: {
          error: {
            code: 'FORBIDDEN',
            message: refusal(role, permission),
            requestId: expect.any(String),
          },
        },
      });
    }

    const after = await Promise.all([
      call('GET', '/api/v1/automation-accounts'),
      call('GET', `/api/v1/automation-accounts/${opsId}/runbooks`),
      call('GET', `/api/v1/runbooks/${helloId}/content?version=draft`),
      call('GET', `/api/v1/automation-accounts/${opsId}/schedules`),
      call('GET', `/api/v1/automation-accounts/${opsId}/webhooks`),
      call('GET', `/api/v1/automation-accounts/${opsId}/variables/Region`),
      call('GET', `/api/v1/automation-accounts/${opsId}/connection-types`),
      call('GET', '/api/v1/user-assigned-identities'),
      call('GET', '/api/v1/role-assignments'),
      call('GET', '/api/v1/worker-groups'),
      call('GET', '/api/v1/policy/assignments'),
      call('GET', `/api/v1/automation-accounts/${legacyId}`),
    ]);
    expect(after).toEqual(before);
    expect((await call<{ items: unknown[] }>('GET', `/api/v1/jobs?runbook=${helloId}`)).body.items).toEqual(
      jobsBefore,
    );

    // What an operator may do, forced the same way, goes through.
    const started = await forcedFromPage<{ runbookId: string; isTest: boolean }>(
      operator,
      'POST',
      `/api/v1/runbooks/${helloId}/jobs`,
      { parameters: { Name: 'operator' } },
    );
    expect(started).toEqual({
      status: 201,
      body: expect.objectContaining({ runbookId: helloId, isTest: false }),
    });
    await operator.context().close();
  }, 60_000);

  it('tells a read-only operator why the Notifications section is closed to them, and asks the server for nothing it refuses', async () => {
    const seen = refused[READER.username]!.length;
    await reader.getByRole('link', { name: 'Notifications', exact: true }).click();
    await reader.getByRole('heading', { name: 'Notifications' }).waitFor();
    await reader.getByText(READ_ONLY('notify.subscriptions'), { exact: false }).waitFor();
    await reader
      .getByText('Administrator, Author, Advanced Operator and Operator', { exact: false })
      .waitFor();
    expect(await reader.getByRole('tab').count()).toBe(0);
    expect(await reader.getByRole('alert').count()).toBe(0);
    await noButtons(reader, ['Create e-mail channel', 'Create subscriber', 'Create subscription']);
    await check(reader, 'reader-notifications');
    expect(refused[READER.username]!.slice(seen)).toEqual([]);
    // What the page does not ask for, the server would refuse.
    expect(await forcedFromPage(reader, 'GET', '/api/v1/notification-channels')).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: READ_ONLY('notify.subscriptions') } },
    });
    await reader.context().close();
  }, 30_000);

  it('has no serious or critical accessibility violation on these pages', () => {
    expect(a11y.length).toBeGreaterThanOrEqual(12);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
