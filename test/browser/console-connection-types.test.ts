// Proves the connection types of an automation account in the web console, in a real Chromium against a real
// `steward server` process: the built-in type listed and offered no change; a type with an encrypted, an optional
// int and a bool field defined through the field editor (a repeated field name refused by the API and shown at
// that field), checked through the API, then changed in place; a connection of that type made from its fields
// (the bool a checkbox, the encrypted one a password input, a bad int named by the API); the type's deletion
// refused while the connection uses it, with the API's reason, then done. The encrypted value never comes back in
// any API answer the browser received. axe-core checks the pages.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
} from '../support/server-process.js';
import {
  type ConsoleStage,
  screenshot,
  seriousViolations,
  signedInPage,
  startConsoleStage,
} from './browser.js';

const ADMIN_PASSWORD = 'connection types admin password 1';
const API_KEY = 'rest-api-key-never-shown-8K';

let server: ServerProcess;
let stage: ConsoleStage | undefined;
let adminToken = '';
let accountId = '';
let admin: Page | undefined;
const a11y: { page: string; violations: unknown[] }[] = [];
const answers: { url: string; body: string }[] = [];

const call = <T>(method: string, path: string, body?: unknown) =>
  api<T>(server.url, method, path, { token: adminToken, body });
const typesPath = () => `/api/v1/automation-accounts/${accountId}/connection-types`;

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server } = stage);
  adminToken = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), ADMIN_PASSWORD);
  const account = await call<{ id: string }>('POST', '/api/v1/automation-accounts', {
    name: 'billing',
    identity: { type: 'None' },
  });
  expect(account.status, JSON.stringify(account.body)).toBe(201);
  accountId = account.body.id;
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

const assetsTab = async () => {
  admin ??= await signedInPage(stage, 'admin', ADMIN_PASSWORD, (a) => answers.push(a));
  await admin.goto(`${server.url}/automation/accounts/${accountId}?tab=assets`);
  return admin;
};

const check = async (page: Page, name: string) => {
  await screenshot(page, `connection-types-${name}`);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** Picks an option of a Mantine select. */
async function choose(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('connection types in the web console', () => {
  it('defines a type with an encrypted field through the field editor, the API naming a repeated field, then changes it', async () => {
    const page = await assetsTab();
    const types = page.getByRole('table', { name: 'Connection types' });
    await types
      .getByRole('row')
      .filter({ hasText: 'AzureServicePrincipal' })
      .getByText('Built in', { exact: true })
      .waitFor();
    expect(
      await page.getByRole('button', { name: 'Delete connection type AzureServicePrincipal' }).count(),
    ).toBe(0);

    await page.getByRole('button', { name: 'Add connection type' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add connection type' });
    await dialog.getByRole('textbox', { name: /^Name(?! of)/ }).fill('RestApi');
    await dialog.getByLabel('Name of field 1').fill('Url');
    // The editor is worked from the keyboard: Add field with Enter, a mark with Space.
    await dialog.getByRole('button', { name: 'Add field' }).focus();
    await page.keyboard.press('Enter');
    await dialog.getByLabel('Name of field 2').fill('url');
    await dialog.getByRole('checkbox', { name: 'Field 2 is encrypted' }).focus();
    await page.keyboard.press('Space');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('repeats another field name (names ignore case)', { exact: true }).waitFor();
    await dialog.getByRole('alert').filter({ hasText: 'body.fields[1].name' }).waitFor();
    expect((await call('GET', `${typesPath()}/RestApi`)).status).toBe(404);

    await dialog.getByLabel('Name of field 2').fill('ApiKey');
    await dialog.getByRole('button', { name: 'Add field' }).click();
    await dialog.getByLabel('Name of field 3').fill('Port');
    await choose(page, 'Type of field 3', 'int (whole number)');
    await dialog.getByRole('checkbox', { name: 'Field 3 is optional' }).check();
    await dialog.getByRole('button', { name: 'Add field' }).click();
    await dialog.getByLabel('Name of field 4').fill('Verify');
    await choose(page, 'Type of field 4', 'bool (true or false)');
    await dialog.getByRole('button', { name: 'Add field' }).click();
    await dialog.getByLabel('Name of field 5').fill('Scratch');
    await dialog.getByRole('button', { name: 'Remove field Scratch' }).click();
    expect(await dialog.getByLabel('Name of field 5').count()).toBe(0);
    await check(page, 'add');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const row = types.getByRole('row').filter({ hasText: 'RestApi' });
    await row.getByText('User-defined').waitFor();
    await row.getByText('Encrypted').waitFor();
    await row.getByText('Optional').waitFor();

    const made = await call<{ builtIn: boolean; fields: unknown[] }>('GET', `${typesPath()}/RestApi`);
    expect(made.status).toBe(200);
    expect(made.body.builtIn).toBe(false);
    expect(made.body.fields).toEqual([
      { name: 'Url', type: 'string', encrypted: false, optional: false },
      { name: 'ApiKey', type: 'string', encrypted: true, optional: false },
      { name: 'Port', type: 'int', encrypted: false, optional: true },
      { name: 'Verify', type: 'bool', encrypted: false, optional: false },
    ]);

    await page.getByRole('button', { name: 'Change connection type RestApi' }).click();
    const change = page.getByRole('dialog', { name: 'Change connection type RestApi' });
    const name = change.getByRole('textbox', { name: /^Name(?! of)/ });
    expect(await name.getAttribute('readonly')).not.toBeNull();
    expect(await change.getByLabel('Name of field 2').inputValue()).toBe('ApiKey');
    expect(await change.getByRole('checkbox', { name: 'Field 2 is encrypted' }).isChecked()).toBe(true);
    await change.getByLabel('Description').fill('The billing REST API');
    await change.getByRole('button', { name: 'Save' }).click();
    await row.getByText('The billing REST API').waitFor();
    const changed = await call<{ description: string; fields: unknown[] }>('GET', `${typesPath()}/RestApi`);
    expect(changed.body).toMatchObject({ description: 'The billing REST API', fields: made.body.fields });
  }, 60_000);

  it("makes a connection from the type's fields: a checkbox for the bool, a password input for the encrypted one", async () => {
    const page = await assetsTab();
    await page.getByText('No connections').waitFor();
    await page.getByRole('button', { name: 'Add connection', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add connection', exact: true });
    await dialog.getByLabel(/^Name/).fill('Billing');
    await choose(page, 'Connection type', 'RestApi');
    await dialog.getByText('The billing REST API').waitFor();
    await dialog.getByLabel(/^Url/).fill('https://billing.example');
    const key = dialog.getByLabel(/^ApiKey/);
    expect(await key.getAttribute('type')).toBe('password');
    await key.fill(API_KEY);
    await dialog.getByLabel('Port (optional)').fill('four hundred');
    const verify = dialog.getByRole('checkbox', { name: 'Verify' });
    await verify.check();
    await check(page, 'connection');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('must be an integer', { exact: true }).waitFor();
    expect((await call('GET', `/api/v1/automation-accounts/${accountId}/connections/Billing`)).status).toBe(
      404,
    );

    await dialog.getByLabel('Port (optional)').fill('8443');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const connections = page.getByRole('table', { name: 'Connections' });
    await connections.getByText('ApiKey: (encrypted)', { exact: false }).waitFor();
    const made = await call<Record<string, unknown>>(
      'GET',
      `/api/v1/automation-accounts/${accountId}/connections/Billing`,
    );
    expect(made.body).toMatchObject({
      kind: 'connection',
      connectionType: 'RestApi',
      fieldValues: { Url: 'https://billing.example', Port: 8443, Verify: true },
      encryptedFields: ['ApiKey'],
    });
    expect(JSON.stringify(made.body)).not.toContain(API_KEY);
    expect(await page.content()).not.toContain(API_KEY);
  }, 45_000);

  it('refuses to delete a type a connection uses, with the reason, and deletes it once the connection is gone', async () => {
    const page = await assetsTab();
    const types = page.getByRole('table', { name: 'Connection types' });
    await types.getByText('RestApi').waitFor();
    await page.getByRole('button', { name: 'Delete connection type RestApi' }).click();
    const refused = page.getByRole('dialog', { name: 'Delete connection type RestApi' });
    await refused.getByRole('button', { name: 'Delete' }).click();
    await refused
      .getByRole('alert')
      .getByText(/is used by 'Billing': delete those connections first/)
      .waitFor();
    await check(page, 'delete-refused');
    await refused.getByRole('button', { name: 'Cancel' }).click();
    expect((await call('GET', `${typesPath()}/RestApi`)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete Billing' }).click();
    await page
      .getByRole('dialog', { name: 'Delete Billing' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByText('No connections').waitFor();
    await page.getByRole('button', { name: 'Delete connection type RestApi' }).click();
    await page
      .getByRole('dialog', { name: 'Delete connection type RestApi' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await types.getByText('RestApi').waitFor({ state: 'detached' });
    expect((await call('GET', `${typesPath()}/RestApi`)).status).toBe(404);
    const left = await call<{ items: { name: string }[] }>('GET', typesPath());
    expect(left.body.items.map((t) => t.name)).toEqual(['AzureServicePrincipal']);
  }, 45_000);

  it('never received the encrypted value, and no page has a serious accessibility violation', () => {
    expect(answers.length).toBeGreaterThan(10);
    for (const a of answers) expect(a.body, a.url).not.toContain(API_KEY);
    expect(a11y.length).toBeGreaterThanOrEqual(3);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
