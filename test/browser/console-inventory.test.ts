// Proves the console's Explain, Findings, Inventory and Management Packs pages in a real Chromium against a
// real `steward server` process: explain names the account the API resolves, for a workflow and an object found
// by a search on the server (it is not among the first page of objects), and for a profile and an object on a
// computer the account is not distributed to; a not-distributed finding's one-click Distribute (after a
// confirmation naming the computer) fixes it, checked through the API; a conflict finding opens the profile's
// associations, where removing one ends it; a group's members (with why each one is), rules and nested group;
// a SCOM pack imported through the file input shows its report; a pack other packs reference is refused
// deletion with the dependent named; a pending agent is approved, then revoked, and an enrollment token is shown
// once. Every API answer the page receives is scanned for secrets; axe-core checks each page.
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPublicKey, generateAgentKeys } from '../../src/crypto/agent-keys.js';
import { api, oneTimePasswordOf, type ServerProcess } from '../support/server-process.js';
import { type ConsoleStage, screenshot, seriousViolations, startConsoleStage } from './browser.js';
import {
  ACCOUNT_SECRET,
  CRITICAL_GROUP,
  FIXTURES,
  type InventorySeed,
  PENDING_AGENT,
  seedInventory,
} from './inventory-seed.js';

const ADMIN_PASSWORD = 'inventory admin password 1';
// A native pack that references Test.SQL: Test.SQL cannot be deleted while it is imported.
const EXTRA_PACK = `id: Test.SQL.Extra
version: 1.0.0
references:
  - { id: Test.SQL, minVersion: 1.0.0 }
classes:
  - { id: Test.SQL.Extra.Agent, baseClass: Test.SQL.Instance, hosted: true }
`;

let server: ServerProcess;
let browser: Browser;
let launchError: unknown;
let stage: ConsoleStage | undefined;
let adminToken = '';
let oneTimePassword = '';
let enrollmentToken = '';
let ids: InventorySeed;
const answers: { url: string; body: string }[] = [];
const a11y: { page: string; violations: unknown[] }[] = [];

const call = async <T>(method: string, path: string, body?: unknown) => {
  const r = await api<T>(server.url, method, path, { token: adminToken, body });
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

beforeAll(async () => {
  // A browser that cannot start fails every test below (it does not skip them).
  stage = await startConsoleStage({ STEWARD_LOG_LEVEL: 'warn' });
  ({ server, launchError } = stage);
  if (stage.browser) browser = stage.browser;
  oneTimePassword = await oneTimePasswordOf(server);
  const login = await api<{ token: string }>(server.url, 'POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: oneTimePassword },
  });
  await api(server.url, 'POST', '/api/v1/me/password', {
    token: login.body.token,
    body: { currentPassword: oneTimePassword, newPassword: ADMIN_PASSWORD },
  });
  adminToken = login.body.token;
  ids = await seedInventory(call);
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

async function signedIn(): Promise<Page> {
  if (launchError) throw new Error(`Chromium did not start: ${String(launchError)}`);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.on('response', async (res) => {
    if (!new URL(res.url()).pathname.startsWith('/api/')) return;
    answers.push({ url: res.url(), body: await res.text().catch(() => '') });
  });
  await page.goto(server.url);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel(/^Password/).fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Run As Accounts' }).waitFor();
  return page;
}

const check = async (page: Page, name: string) => {
  await screenshot(page, `inventory-${name}`);
  a11y.push({ page: name, violations: await seriousViolations(page) });
};

/** Chooses an option of a searchable select by typing part of its label. */
async function choose(page: Page, label: string, typed: string, option: RegExp) {
  await page.getByRole('combobox', { name: label }).fill(typed);
  await page.getByRole('option', { name: option }).click();
}

describe('the Explain, Findings, Inventory and Management Packs pages of the web console', () => {
  let admin: Page;

  it('explains which account a workflow uses for an object, with the reasons', async () => {
    admin = await signedIn();
    await admin.getByRole('link', { name: 'Explain' }).click();
    await admin.getByRole('heading', { name: 'Explain' }).waitFor();
    await choose(admin, 'Workflow', 'Test.SQL.Mon', /Test\.SQL\.Monitor/);
    // Nothing matches: the picker says so once the server has answered.
    const objectBox = admin.getByRole('combobox', { name: 'Object' });
    await objectBox.fill('no such instance');
    await admin.getByText('No object matches').waitFor();
    // Part of the name of an object beyond the first page of objects: the server searches for it.
    const part = ids.farInstance.name.slice(1);
    const searched = admin.waitForRequest(
      (r) =>
        new URL(r.url()).pathname === '/api/v1/objects' &&
        new URL(r.url()).searchParams.get('search') === part,
    );
    await choose(admin, 'Object', part, new RegExp(`^${ids.farInstance.name} \\(Test\\.SQL\\.Instance\\)$`));
    await searched;
    await admin.getByRole('button', { name: 'Explain', exact: true }).click();
    const answer = admin.getByRole('region', { name: 'Explanation' });
    await answer.getByRole('link', { name: 'SQL runner' }).waitFor();
    await answer.getByText('Distributed', { exact: true }).waitFor();
    // The reasons name the object, the computer and the account, not their ids.
    const reasons = (await answer.getByRole('list', { name: 'Reasons' }).textContent()) ?? '';
    expect(reasons).toContain(`Object ${ids.farInstance.name} is hosted by sql01.contoso.com`);
    expect(reasons).toContain('Account SQL runner is distributed to sql01.contoso.com');
    for (const id of [ids.farInstance.id, ids.sql01, ids.account]) expect(reasons).not.toContain(id);
    const candidates = answer.getByRole('table', { name: 'Candidate associations' });
    await candidates.getByText('Wins').waitFor();
    // Scopes by name: the group's display name, never its id.
    await candidates.getByRole('cell', { name: 'Group Critical SQL instances', exact: true }).waitFor();
    await candidates.getByRole('cell', { name: 'All targeted objects', exact: true }).waitFor();
    expect(await candidates.textContent()).not.toContain(CRITICAL_GROUP);
    await check(admin, 'explain');
    const api = await call<{ resolution: { kind: string; accountId: string } }>(
      'GET',
      `/api/v1/explain?workflow=Test.SQL.Monitor&object=${encodeURIComponent(ids.farInstance.id)}`,
    );
    expect(api.resolution).toEqual(expect.objectContaining({ kind: 'account', accountId: ids.account }));
  }, 45_000);

  it('explains a profile for an object: its account, not distributed to the computer the object is on', async () => {
    await admin.getByRole('radiogroup', { name: 'Explain a' }).getByText('Profile', { exact: true }).click();
    await choose(admin, 'Run As profile', 'SQL acc', /^SQL account \(Test\.SQL\.Profile\)$/);
    await choose(admin, 'Object', 'INST02', /^INST02 \(Test\.SQL\.Instance\)$/);
    await admin.getByRole('button', { name: 'Explain', exact: true }).click();
    const answer = admin.getByRole('region', { name: 'Explanation' });
    await answer.getByText('Not distributed to sql02.contoso.com: the workflow does not run').waitFor();
    await answer.getByRole('link', { name: 'SQL runner' }).waitFor();
    const resolved = answer.getByRole('table', { name: 'What was resolved' });
    await resolved.getByRole('row', { name: 'Profile Test.SQL.Profile' }).waitFor();
    await resolved.getByRole('row', { name: 'Workflow —' }).waitFor();
    await resolved.getByRole('row', { name: 'Object INST02' }).waitFor();
    const reasons = (await answer.getByRole('list', { name: 'Reasons' }).textContent()) ?? '';
    expect(reasons).toContain('Account SQL runner is not distributed to sql02.contoso.com');
    await check(admin, 'explain-profile');
    const api = await call<{ resolution: { kind: string; accountId: string } }>(
      'GET',
      `/api/v1/explain?profile=Test.SQL.Profile&object=${encodeURIComponent(ids.inst02)}`,
    );
    expect(api.resolution).toEqual(
      expect.objectContaining({ kind: 'not-distributed', accountId: ids.account }),
    );
  }, 45_000);

  it('fixes a not-distributed finding with one click, after a confirmation naming the computer', async () => {
    await admin.getByRole('link', { name: 'Findings' }).click();
    const section = admin.getByRole('region', { name: /^Not distributed/ });
    await section.getByText(/SQL runner is targeted at 1 object/).waitFor();
    await check(admin, 'findings');
    await section.getByRole('button', { name: 'Distribute (1)' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Distribute SQL runner' });
    await dialog.getByRole('list').getByText('sql02.contoso.com (Computer)').waitFor();
    await check(admin, 'findings-distribute');
    await dialog.getByRole('button', { name: 'Distribute' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => admin.getByRole('region', { name: /^Not distributed/ }).count()).toBe(0);
    const account = await call<{ distribution: { approved: string[] } }>(
      'GET',
      `/api/v1/accounts/${ids.account}`,
    );
    expect(account.distribution.approved.sort()).toEqual([ids.sql01, ids.sql02].sort());
    const findings = await call<{ items: { kind: string }[] }>(
      'GET',
      '/api/v1/findings?kind=not-distributed',
    );
    expect(findings.items).toEqual([]);
  }, 45_000);

  it('opens the conflicting associations from a conflict finding; removing one there ends the conflict', async () => {
    // A second account for every SQL instance, at the same level as SQL runner's: a conflict.
    const standby = await call<{ id: string }>('POST', '/api/v1/accounts', {
      name: 'SQL standby runner',
      credential: { type: 'windows', userName: 'sqlstandby', domain: 'CONTOSO', password: ACCOUNT_SECRET },
    });
    await call('PUT', `/api/v1/accounts/${standby.id}/distribution`, {
      security: 'more-secure',
      approved: [ids.sql01, ids.sql02],
    });
    await call('POST', '/api/v1/profiles/Test.SQL.Profile/associations', { accountId: standby.id });
    const made = await call<{ items: unknown[] }>('GET', '/api/v1/findings?kind=conflict');
    expect(made.items).toHaveLength(1);

    await admin.goto(`${server.url}/findings`);
    const section = admin.getByRole('region', { name: /^Conflicts/ });
    await section.getByText(/different accounts \(SQL runner, SQL standby runner\)/).waitFor();
    await check(admin, 'findings-conflict');
    await section.getByRole('link', { name: /^Open the profile's associations/ }).click();
    await admin.waitForURL(/\/run-as\/profiles\/Test\.SQL\.Profile\?step=accounts$/);
    const associated = admin.getByRole('table', { name: 'Associated Run As accounts' });
    await associated.getByRole('row', { name: /^SQL standby runner All targeted objects/ }).waitFor();
    await associated.getByRole('row', { name: /^SQL runner All targeted objects/ }).waitFor();
    await check(admin, 'findings-conflict-associations');
    await admin.getByRole('button', { name: 'Remove SQL standby runner' }).click();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('The Run As profile is saved.').waitFor();

    const left = await call<{ items: { accountId: string }[] }>(
      'GET',
      '/api/v1/profiles/Test.SQL.Profile/associations',
    );
    expect(left.items.map((a) => a.accountId)).toEqual([ids.account, ids.account]);
    expect((await call<{ items: unknown[] }>('GET', '/api/v1/findings?kind=conflict')).items).toEqual([]);
    await admin.goto(`${server.url}/findings`);
    await admin.getByRole('heading', { name: 'Findings' }).waitFor();
    await expect.poll(() => admin.getByRole('region', { name: /^Conflicts/ }).count()).toBe(0);
  }, 45_000);

  it('shows the class tree, objects with their hosting chain, groups, and pools and servers', async () => {
    await admin.getByRole('link', { name: 'Classes' }).click();
    await admin.getByLabel('Find a class').fill('Test.SQL.Ent');
    await admin.getByRole('tree', { name: 'Class tree' }).getByText('Test.SQL.Enterprise').click();
    await admin.getByRole('table', { name: 'Class properties' }).getByText('Test.SQL.Instance').waitFor();
    await check(admin, 'classes');

    await admin.getByRole('link', { name: 'Objects' }).click();
    const searched = admin.waitForRequest((r) => /\/api\/v1\/objects\?.*search=INST01/.test(r.url()));
    await admin.getByLabel('Find an object').fill('INST01');
    await searched;
    await admin.getByRole('link', { name: 'INST01' }).click();
    await admin.getByRole('heading', { name: 'INST01' }).waitFor();
    await admin
      .getByRole('navigation', { name: 'Hosting chain' })
      .getByRole('link', { name: 'sql01.contoso.com' })
      .waitFor();
    await admin.getByText('Runs on the computer sql01.contoso.com.').waitFor();
    await check(admin, 'object');

    await admin.getByRole('link', { name: 'Groups', exact: true }).click();
    await admin.getByRole('heading', { name: 'Groups' }).waitFor();
    await admin.getByRole('table', { name: 'Groups' }).or(admin.getByText('No groups')).first().waitFor();
    await check(admin, 'groups');

    await admin.getByRole('link', { name: 'Pools and Servers' }).click();
    await admin.getByRole('table', { name: 'Resource pools' }).getByText('Built in').first().waitFor();
    await admin
      .getByRole('table', { name: 'Management servers' })
      .getByText('live', { exact: true })
      .waitFor();
    await check(admin, 'pools');
  }, 45_000);

  it("shows a group's members with why each one is, its rules and its nested group", async () => {
    await call('POST', '/api/v1/groups', {
      id: 'Test.SQL.Tier1',
      displayName: 'Tier 1 SQL instances',
      members: [ids.inst01],
      rules: [
        { classId: 'Test.SQL.Instance', conditions: [{ property: 'name', op: 'like', value: 'INST0*' }] },
      ],
      subgroups: [CRITICAL_GROUP],
    });
    await admin.getByRole('link', { name: 'Groups', exact: true }).click();
    await admin
      .getByRole('table', { name: 'Groups' })
      .getByRole('link', { name: 'Tier 1 SQL instances' })
      .click();
    await admin.getByRole('heading', { name: 'Tier 1 SQL instances' }).waitFor();
    // INST01 is named and matches the rule too: the strongest reason is the one given.
    const members = admin.getByRole('table', { name: 'Group members' });
    await members.getByRole('row', { name: 'INST01 Test.SQL.Instance Explicit member —' }).waitFor();
    await members.getByRole('row', { name: 'INST02 Test.SQL.Instance Matches a rule —' }).waitFor();
    await members
      .getByRole('row', {
        name: `${ids.farInstance.name} Test.SQL.Instance Through a nested group ${CRITICAL_GROUP}`,
      })
      .waitFor();
    expect(await members.getByRole('row').count()).toBe(4);
    await check(admin, 'group-members');
    const listed = await call<{ items: { objectId: string; via: string }[] }>(
      'GET',
      '/api/v1/groups/Test.SQL.Tier1/members',
    );
    expect(listed.items.map((m) => [m.objectId, m.via]).sort()).toEqual(
      [
        [ids.inst01, 'explicit'],
        [ids.inst02, 'rule'],
        [ids.farInstance.id, 'subgroup'],
      ].sort(),
    );

    await admin.getByRole('tab', { name: 'Rules (1)' }).click();
    await admin
      .getByRole('list', { name: 'Rules' })
      .getByText('where name like "INST0*"', { exact: false })
      .waitFor();
    expect(await admin.getByRole('list', { name: 'Rules' }).textContent()).toBe(
      'Objects of Test.SQL.Instance where name like "INST0*"',
    );
    await check(admin, 'group-rules');
    await admin.getByRole('tab', { name: 'Nested groups (1)' }).click();
    await admin
      .getByRole('list', { name: 'Nested groups' })
      .getByRole('link', { name: 'Critical SQL instances' })
      .click();
    await admin.getByRole('heading', { name: 'Critical SQL instances' }).waitFor();
    await admin
      .getByRole('table', { name: 'Group members' })
      .getByRole('row', { name: new RegExp(`^${ids.farInstance.name} .*Explicit member`) })
      .waitFor();
  }, 45_000);

  it('approves a pending agent and makes an enrollment token shown once', async () => {
    await admin.getByRole('link', { name: 'Computers and Agents' }).click();
    await admin.getByRole('table', { name: 'Computers' }).getByText('sql01.contoso.com').waitFor();
    await check(admin, 'computers');
    await admin.getByRole('tab', { name: 'Agents' }).click();
    await admin.getByRole('button', { name: `Approve ${PENDING_AGENT}` }).click();
    await admin.getByRole('button', { name: `Approve ${PENDING_AGENT}` }).waitFor({ state: 'detached' });
    const agents = await call<{ items: { computerName: string; status: string }[] }>('GET', '/api/v1/agents');
    expect(agents.items).toContainEqual(
      expect.objectContaining({ computerName: PENDING_AGENT, status: 'approved' }),
    );
    await check(admin, 'agents');

    await admin.getByRole('button', { name: 'Create enrollment token' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Create enrollment token' });
    // The contract's own rule, before anything is sent.
    await dialog.getByLabel(/^Computer name/).fill('not a host name');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText(/must be a host name/).waitFor();
    await dialog.getByLabel(/^Computer name/).fill('app01.contoso.com');
    await dialog.getByRole('button', { name: 'Create' }).click();
    enrollmentToken = await dialog.getByRole('textbox', { name: 'Enrollment token' }).inputValue();
    expect(enrollmentToken.length).toBeGreaterThan(20);
    await check(admin, 'enrollment-token');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await admin.content()).not.toContain(enrollmentToken);
    // The token admits the agent it was made for.
    const keys = generateAgentKeys();
    const enrolled = await api<{ status: string }>(server.url, 'POST', '/api/v1/agent/enroll', {
      body: {
        token: enrollmentToken,
        computerName: 'app01.contoso.com',
        signingPublicKey: exportPublicKey(keys.signing.publicKey),
        sealingPublicKey: exportPublicKey(keys.sealing.publicKey),
      },
    });
    expect(enrolled.body.status).toBe('approved');

    // The tokens made are listed, never shown again; an unused one is revoked.
    await admin.getByRole('tab', { name: 'Enrollment tokens' }).click();
    const tokens = admin.getByRole('table', { name: 'Enrollment tokens' });
    await tokens.getByRole('row', { name: /app01\.contoso\.com used/ }).waitFor();
    await admin.getByRole('button', { name: 'Create enrollment token' }).click();
    const spare = admin.getByRole('dialog', { name: 'Create enrollment token' });
    await spare.getByLabel(/^Computer name/).fill('spare01.contoso.com');
    await spare.getByRole('button', { name: 'Create' }).click();
    const spareToken = await spare.getByRole('textbox', { name: 'Enrollment token' }).inputValue();
    await spare.getByRole('button', { name: 'Done' }).click();
    await tokens.getByRole('row', { name: /spare01\.contoso\.com unused/ }).waitFor();
    await check(admin, 'enrollment-tokens');
    expect(await admin.content()).not.toContain(spareToken);
    await admin.getByRole('button', { name: 'Revoke the token for spare01.contoso.com' }).click();
    await tokens.getByText('spare01.contoso.com').waitFor({ state: 'detached' });
    const listed = await call<{ items: { computerName: string }[] }>(
      'GET',
      '/api/v1/agents/enrollment-tokens',
    );
    expect(listed.items.map((t) => t.computerName)).not.toContain('spare01.contoso.com');
  }, 60_000);

  it('revokes an agent after a confirmation: it shows as revoked, with no action left, and the API agrees', async () => {
    await admin.getByRole('tab', { name: 'Agents' }).click();
    await admin.getByRole('button', { name: `Revoke ${PENDING_AGENT}` }).click();
    const dialog = admin.getByRole('dialog', { name: `Revoke the agent on ${PENDING_AGENT}` });
    await dialog.getByText(/its requests are refused/).waitFor();
    await check(admin, 'agent-revoke');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await admin
      .getByRole('row', { name: new RegExp(`^${PENDING_AGENT.replaceAll('.', '\\.')} revoked`) })
      .waitFor();
    expect(await admin.getByRole('button', { name: `Revoke ${PENDING_AGENT}` }).count()).toBe(0);
    // The agent enrolled with a token is left alone.
    expect(await admin.getByRole('button', { name: 'Revoke app01.contoso.com' }).count()).toBe(1);
    const agents = await call<{ items: { computerName: string; status: string }[] }>('GET', '/api/v1/agents');
    expect(agents.items.map((a) => [a.computerName, a.status]).sort()).toEqual([
      ['app01.contoso.com', 'approved'],
      [PENDING_AGENT, 'revoked'],
    ]);
  }, 45_000);

  it('imports a SCOM pack through the file input and shows its report; deleting a referenced pack names its dependent', async () => {
    await admin.getByRole('link', { name: 'Management Packs' }).click();
    await admin
      .getByRole('table', { name: 'Management packs' })
      .getByText('Test.SQL', { exact: true })
      .waitFor();
    await check(admin, 'packs');
    await admin.getByRole('button', { name: 'Import management pack' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Import management pack' });
    await dialog.getByLabel(/^Pack file/).setInputFiles(resolve(FIXTURES, 'contoso-sql.xml'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    const report = dialog.getByRole('region', { name: 'Import report' });
    await report.getByText(/^Imported: Contoso SQL Server/).waitFor();
    await report
      .getByRole('table', { name: 'Skipped elements' })
      .getByText("Rule[@ID='Contoso.SQL.CollectConnections']", { exact: false })
      .waitFor();
    await check(admin, 'pack-import-report');
    await report.getByRole('button', { name: 'Done' }).click();
    expect((await call<{ format: string }>('GET', '/api/v1/packs/Contoso.SQL')).format).toBe('scom-xml');

    // A native pack, then deleting the pack it references: refused, the dependent named.
    await admin.getByRole('button', { name: 'Import management pack' }).click();
    await dialog.getByLabel(/^Pack file/).setInputFiles({
      name: 'extra.yaml',
      mimeType: 'text/yaml',
      buffer: Buffer.from(EXTRA_PACK),
    });
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByText(/^Imported: /).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await admin
      .getByRole('table', { name: 'Management packs' })
      .getByRole('link', { name: 'Test.SQL', exact: true })
      .click();
    await admin.getByRole('list', { name: 'Dependent packs' }).getByText('Test.SQL.Extra').waitFor();
    await check(admin, 'pack');
    await admin.reload();
    await admin.getByRole('heading', { name: 'Test.SQL' }).waitFor();
    const download = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Export' }).click();
    expect((await download).suggestedFilename()).toBe('Test.SQL-1.0.0.yaml');
    await admin.getByRole('button', { name: 'Delete' }).click();
    const del = admin.getByRole('dialog', { name: /^Delete / });
    await del.getByRole('button', { name: 'Delete' }).click();
    await del
      .getByRole('alert')
      .getByText(/other packs reference it/)
      .waitFor();
    await del.getByRole('list', { name: 'Packs that reference it' }).getByText('Test.SQL.Extra').waitFor();
    await del.getByRole('button', { name: 'Cancel' }).click();
    expect((await call<{ id: string }>('GET', '/api/v1/packs/Test.SQL')).id).toBe('Test.SQL');
  }, 60_000);

  it('never received a secret', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) {
      expect(a.body, a.url).not.toContain(ACCOUNT_SECRET);
      expect(a.body, a.url).not.toContain(oneTimePassword);
      expect(a.body, a.url).not.toContain(ADMIN_PASSWORD);
      // The enrollment token was answered once, to its creation, and never again.
      if (enrollmentToken && !a.url.endsWith('/api/v1/agents/enrollment-tokens'))
        expect(a.body, a.url).not.toContain(enrollmentToken);
    }
  });

  it('has no serious or critical accessibility violation on these pages', () => {
    expect(a11y.length).toBeGreaterThanOrEqual(16);
    expect(a11y.filter((p) => p.violations.length > 0)).toEqual([]);
  });
});
