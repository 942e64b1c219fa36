// Proves the console's Automation pages in a real Chromium against a real `steward server` process: a runbook
// created, written in the CodeMirror editor, tested in the test pane and published (checked through the API);
// a job started with its declared parameter whose output reaches the page while the job still runs; a webhook
// whose URL is shown once and starts the runbook; a long job stopped with the Stop button; a rollback; an
// automation account created through its dialog (a name the contract refuses, then one the API refuses); an
// operator who may start jobs but not author runbooks gets no Edit, Save or Publish button, and the server
// refuses the draft change when forced (403). axe-core checks the pages.
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

const ADMIN_PASSWORD = 'automation admin password 1';
const OPERATOR_PASSWORD = 'automation operator password 1';
// Each line waits, so the page can show a line before the job has ended.
const HELLO = 'echo "hello $PARAM_Name"\nsleep 2\necho "second line"\nsleep 1\necho "third line"\n';
const SLOW = 'i=1; while [ $i -le 120 ]; do echo "tick $i"; i=$((i + 1)); sleep 1; done\n';

let server: ServerProcess;
let stage: ConsoleStage | undefined;
let adminToken = '';
let accountId = '';
const a11y: { page: string; violations: unknown[] }[] = [];

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(server.url, method, path, { token: adminToken, body });

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server } = stage);
  adminToken = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), ADMIN_PASSWORD);
  const account = await call<{ id: string }>('POST', '/api/v1/automation-accounts', { name: 'ops' });
  expect(account.status).toBe(201);
  accountId = account.body.id;
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

const signedIn = (username: string, password: string) => signedInPage(stage, username, password);

const check = async (page: Page, name: string) => {
  await screenshot(page, name);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** Replaces the whole text of the CodeMirror editor labelled so, as a person typing would. */
async function replaceCode(page: Page, label: string, text: string) {
  const editor = page.getByRole('textbox', { name: label });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe('the Automation pages of the web console', () => {
  let admin: Page;
  let helloId = '';
  let slowId = '';

  it('creates a runbook in an automation account and opens it in the editor', async () => {
    admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Automation Accounts' }).click();
    await admin.getByRole('heading', { name: 'Automation Accounts' }).waitFor();
    await check(admin, 'automation-accounts');
    await admin.getByRole('link', { name: 'ops' }).click();
    await admin.getByText('No runbooks yet').waitFor();
    await admin.getByRole('button', { name: 'Create runbook' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create runbook' });
    // The contract's own rule, before anything is sent.
    await dialog.getByLabel(/^Name/).fill('1-bad');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Name must start with a letter').waitFor();
    await dialog.getByLabel(/^Name/).fill('Hello');
    await dialog.getByRole('button', { name: 'Create' }).click();

    await admin.waitForURL(/\/automation\/runbooks\/rb_[a-z0-9]+\/edit$/);
    helloId = /runbooks\/(rb_[a-z0-9]+)/.exec(admin.url())![1]!;
    await admin.getByRole('textbox', { name: 'Draft of Hello' }).waitFor();
    const listed = await call<{ items: { id: string; name: string; published: unknown }[] }>(
      'GET',
      `/api/v1/automation-accounts/${accountId}/runbooks`,
    );
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: helloId, name: 'Hello', published: null }),
    ]);
  }, 45_000);

  it('edits the draft with a parameter, tests it in the test pane and publishes it', async () => {
    await replaceCode(admin, 'Draft of Hello', HELLO);
    await admin.getByRole('button', { name: 'Add parameter' }).click();
    await admin.getByLabel('Name of parameter 1').fill('Name');
    await admin.getByLabel('Parameter 1 is required').check();
    await admin.getByText('· unsaved changes', { exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Save draft' }).click();
    await admin.getByText('Draft saved.').waitFor();

    const pane = admin.getByRole('region', { name: 'Test pane' });
    await pane.getByRole('button', { name: 'Start test' }).click();
    // The declared parameter is required: the API's rule, checked on the page first.
    await pane.getByText('Name is required').waitFor();
    await pane.getByLabel('Name', { exact: true }).fill('test pane');
    await pane.getByRole('button', { name: 'Start test' }).click();
    await pane.getByText('hello test pane').waitFor();
    await pane.getByText('Completed ·').waitFor({ timeout: 20_000 });
    await check(admin, 'runbook-editor');

    await admin.getByRole('button', { name: 'Publish' }).click();
    await admin.getByText('Published as version 1').waitFor();
    const published = await call<{ content: string; parameters: { name: string; required: boolean }[] }>(
      'GET',
      `/api/v1/runbooks/${helloId}/content?version=published`,
    );
    expect(published.body.content).toBe(HELLO);
    expect(published.body.parameters).toEqual([expect.objectContaining({ name: 'Name', required: true })]);
    const tests = await call<{ items: { isTest: boolean; status: string }[] }>(
      'GET',
      `/api/v1/jobs?runbook=${helloId}`,
    );
    expect(tests.body.items).toEqual([expect.objectContaining({ isTest: true, status: 'Completed' })]);
  }, 45_000);

  it('starts a job with its parameter and shows its output while it still runs', async () => {
    await admin.getByRole('link', { name: 'Back to the runbook' }).click();
    // An author sees Edit (the operator below does not).
    await admin.getByRole('link', { name: 'Edit', exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Start' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Start Hello' });
    await dialog.getByLabel('Name', { exact: true }).fill('world');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await admin.waitForURL(/\/automation\/jobs\/job_[a-z0-9]+$/);
    const jobId = /jobs\/(job_[a-z0-9]+)/.exec(admin.url())![1]!;

    const log = admin.getByRole('log', { name: 'Job streams' });
    await log.getByText('hello world').waitFor();
    // The first line is on the page, and the job has not ended: the stream is followed live.
    const live = await admin.getByText(/· following live$/).textContent();
    const whileShown = await call<{ status: string }>('GET', `/api/v1/jobs/${jobId}`);
    expect(live).toMatch(/^Running/);
    expect(whileShown.body.status).toBe('Running');
    expect(await log.getByText('third line').count()).toBe(0);

    await log.getByText('third line').waitFor();
    await admin.getByText('Completed · 3 lines').waitFor();
    await check(admin, 'job-completed');
    const ended = await call<{ status: string; parameters: Record<string, unknown> }>(
      'GET',
      `/api/v1/jobs/${jobId}`,
    );
    expect(ended.body).toMatchObject({ status: 'Completed', parameters: { Name: 'world' } });
  }, 45_000);

  it('makes a webhook whose URL is shown once, and the URL starts the runbook', async () => {
    await admin.goto(`${server.url}/automation/accounts/${accountId}?tab=webhooks`);
    await admin.getByText('No webhooks').waitFor();
    await admin.getByRole('button', { name: 'Create webhook' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create webhook' });
    await dialog.getByLabel(/^Name/).first().fill('Hook');
    await dialog.getByLabel('Name', { exact: true }).fill('webhook');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const url = await dialog.getByLabel('Webhook URL').inputValue();
    expect(url).toMatch(/\/webhooks\/.{20,}$/);
    const called = await fetch(url, { method: 'POST', body: '{}' });
    expect(called.status).toBe(202);
    const { jobIds } = (await called.json()) as { jobIds: string[] };
    expect(jobIds).toHaveLength(1);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await admin.getByRole('table', { name: 'Webhooks' }).getByText('Hook').waitFor();
    // Never shown again: neither on the page nor in the list the API gives.
    const secret = url.slice(url.lastIndexOf('/') + 1);
    expect(await admin.content()).not.toContain(secret);
    const listed = await call('GET', `/api/v1/automation-accounts/${accountId}/webhooks`);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const job = await call<{ parameters: Record<string, unknown> }>('GET', `/api/v1/jobs/${jobIds[0]}`);
    expect(job.body.parameters).toMatchObject({ Name: 'webhook' });
  }, 45_000);

  it('stops a long job with the Stop button', async () => {
    const slow = await call<{ id: string }>('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, {
      name: 'Slow',
      type: 'shell',
      content: SLOW,
    });
    expect(slow.status).toBe(201);
    slowId = slow.body.id;
    expect((await call('POST', `/api/v1/runbooks/${slowId}/publish`)).status).toBe(200);

    await admin.goto(`${server.url}/automation/runbooks/${slow.body.id}`);
    await admin.getByRole('button', { name: 'Start' }).click();
    await admin.getByRole('dialog', { name: 'Start Slow' }).getByRole('button', { name: 'Start' }).click();
    await admin.waitForURL(/\/automation\/jobs\/job_[a-z0-9]+$/);
    const jobId = /jobs\/(job_[a-z0-9]+)/.exec(admin.url())![1]!;
    await admin.getByRole('log', { name: 'Job streams' }).getByText('tick 2', { exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Stop' }).click();
    await admin.getByText(/^Stopped · \d+ lines?$/).waitFor({ timeout: 20_000 });
    // Stop is gone once the job has ended.
    await expect.poll(() => admin.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    const stopped = await call<{ status: string; startedAt: string; endedAt: string }>(
      'GET',
      `/api/v1/jobs/${jobId}`,
    );
    expect(stopped.body.status).toBe('Stopped');
    expect(Date.parse(stopped.body.endedAt) - Date.parse(stopped.body.startedAt)).toBeLessThan(60_000);

    await admin.getByRole('link', { name: 'Jobs', exact: true }).click();
    await admin.getByRole('table', { name: 'Jobs' }).getByText('Stopped').waitFor();
    await check(admin, 'jobs');
  }, 45_000);

  it('rolls a runbook back to an earlier version: published again as the next one', async () => {
    expect((await call('PUT', `/api/v1/runbooks/${slowId}/draft`, { content: 'echo v2\n' })).status).toBe(
      200,
    );
    expect((await call('POST', `/api/v1/runbooks/${slowId}/publish`)).status).toBe(200);
    await admin.goto(`${server.url}/automation/runbooks/${slowId}`);
    await admin.getByRole('tab', { name: 'Versions' }).click();
    await admin.getByRole('button', { name: 'Roll back to 1' }).click();
    await admin.getByText('Current · Rollback to version 1').waitFor();
    const current = await call<{ version: number; content: string }>(
      'GET',
      `/api/v1/runbooks/${slowId}/content?version=published`,
    );
    expect(current.body).toMatchObject({ version: 3, content: SLOW });
  }, 30_000);

  it('creates an automation account through its dialog, refused first by the contract and then by the API, and opens it', async () => {
    await admin.getByRole('link', { name: 'Automation Accounts' }).click();
    await admin.getByRole('button', { name: 'Create automation account' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create automation account' });
    // The contract's rule, before anything is sent; then the API's refusal of a name taken.
    await dialog.getByLabel(/^Name/).fill('2-reports');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Name must start with a letter').waitFor();
    await dialog.getByLabel(/^Name/).fill('ops');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByRole('alert').getByText("An automation account named 'ops' already exists.").waitFor();
    await dialog.getByText('Name is taken').waitFor();
    await dialog.getByLabel(/^Name/).fill('reports');
    await dialog.getByLabel('Description').fill('Monthly reports');
    await check(admin, 'automation-account-create');
    await dialog.getByRole('button', { name: 'Create' }).click();

    await admin.waitForURL(/\/automation\/accounts\/aa_[a-z0-9]+$/);
    const id = /accounts\/(aa_[a-z0-9]+)/.exec(admin.url())![1]!;
    await admin.getByRole('heading', { name: 'reports' }).waitFor();
    await admin
      .getByText('Automation account · managed identity: System-assigned · Monthly reports')
      .waitFor();
    await admin.getByText('No runbooks yet').waitFor();
    await check(admin, 'automation-account-new');
    const made = await call<{ name: string; description: string; identity: { type: string } }>(
      'GET',
      `/api/v1/automation-accounts/${id}`,
    );
    expect(made.body).toMatchObject({
      name: 'reports',
      description: 'Monthly reports',
      identity: { type: 'SystemAssigned' },
    });
    const all = await call<{ items: { name: string }[] }>('GET', '/api/v1/automation-accounts');
    expect(all.body.items.map((a) => a.name).sort()).toEqual(['ops', 'reports']);
    await admin.getByRole('link', { name: 'Automation Accounts' }).click();
    await admin
      .getByRole('table', { name: 'Automation accounts' })
      .getByRole('row', { name: /^reports Monthly reports System-assigned/ })
      .waitFor();
  }, 45_000);

  it('gives an operator Start but no Edit, Save or Publish, and the server refuses a forced draft change (403)', async () => {
    await createActiveUser(server.url, adminToken, {
      username: 'opal',
      role: 'operator',
      password: OPERATOR_PASSWORD,
    });
    const page = await signedIn('opal', OPERATOR_PASSWORD);
    await page.goto(`${server.url}/automation/runbooks/${helloId}`);
    await page.getByRole('heading', { name: 'Hello' }).waitFor();
    await page.getByRole('textbox', { name: 'Published code of Hello' }).waitFor();
    expect(await page.getByRole('button', { name: 'Start' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);
    await check(page, 'runbook-operator');

    await page.goto(`${server.url}/automation/runbooks/${helloId}/edit`);
    await page.getByText('The Operator role may not do this (needs automation.manage).').waitFor();
    for (const name of ['Save draft', 'Publish', 'Add parameter'])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByRole('textbox', { name: 'Draft of Hello' }).getAttribute('contenteditable')).toBe(
      'false',
    );

    const forced = await forcedFromPage(page, 'PUT', `/api/v1/runbooks/${helloId}/draft`, {
      content: 'echo forced\n',
    });
    expect(forced).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'FORBIDDEN' }) } });
    const draft = await call<{ content: string }>('GET', `/api/v1/runbooks/${helloId}/content?version=draft`);
    expect(draft.body.content).toBe(HELLO);
    await page.context().close();
  }, 45_000);

  it('has no serious or critical accessibility violation on the automation pages', () => {
    expect(a11y.length).toBeGreaterThanOrEqual(7);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
