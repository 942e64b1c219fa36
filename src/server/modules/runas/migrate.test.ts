// Proves the migration off a legacy Run As account over HTTP: a dry run reports the plan — identity to enable,
// the principal's Contributor to copy, a diff per runbook — and changes nothing; the real run enables the
// identity (keeping a user-assigned one), copies the role, writes each rewritten draft, publishes with `publish`
// only what has nothing left by hand, lists what a person must change by line, and is audited; running it again
// changes nothing more; least privilege gives Reader plus what the principal's audited writes needed; only an
// administrator carries it out (an author may plan); bad input names the field and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import type { MigrationReport } from '../../../contract/runas-migrate.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });
const migrateUrl = (id: string) => `/api/v1/automation-accounts/${id}/run-as-account/migrate`;

const SHELL = [
  'CONN=$(steward asset get connection AzureRunAsConnection)',
  'APP=$(printf %s "$CONN" | jq -r .fields.ApplicationId)',
  'TENANT=$(printf %s "$CONN" | jq -r .fields.TenantId)',
  'THUMB=$(printf %s "$CONN" | jq -r .fields.CertificateThumbprint)',
  'steward login --service-principal --tenant "$TENANT" --app-id "$APP" --cert-thumbprint "$THUMB"',
  'steward automation account show "$AUTOMATION_ACCOUNT_ID"',
].join('\n');
const PYTHON = [
  'from azure.identity import ClientCertificateCredential',
  'cred = ClientCertificateCredential(tenant, app, certificate_path="c.pem")',
].join('\n');
const POWERSHELL = [
  '$c = Get-AutomationConnection -Name AzureRunAsConnection',
  'Write-Output $c.SubscriptionId',
].join('\n');

async function accountWithRunAs(name: string, identity: unknown = { type: 'None' }) {
  const a = await call('POST', '/api/v1/automation-accounts', { name, identity });
  expect(a.statusCode, a.body).toBe(201);
  const r = await call('POST', `/api/v1/automation-accounts/${a.json().id}/run-as-account`, {});
  expect(r.statusCode, r.body).toBe(201);
  return { id: a.json().id as string, runAs: r.json() };
}
async function runbook(accountId: string, name: string, type: string, content: string, publish = true) {
  const rb = await call('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, { name, type, content });
  expect(rb.statusCode, rb.body).toBe(201);
  if (publish) expect((await call('POST', `/api/v1/runbooks/${rb.json().id}/publish`)).statusCode).toBe(200);
  return rb.json().id as string;
}
const contentOf = async (id: string, version = 'draft') =>
  (await call('GET', `/api/v1/runbooks/${id}/content?version=${version}`)).json().content as string;
const draftOf = (id: string) => contentOf(id);
const assignmentsOf = async (principalId: string) =>
  (await call('GET', `/api/v1/role-assignments?principalId=${principalId}`)).json().items as {
    role: string;
    scope: string;
  }[];

describe('steward automation migrate (API)', () => {
  it('plans with a dry run, then enables, copies, rewrites, publishes, audits; again changes nothing', async () => {
    const uami = (await call('POST', '/api/v1/user-assigned-identities', { name: 'keep-me' })).json();
    const { id } = await accountWithRunAs('mig-full', {
      type: 'UserAssigned',
      userAssignedIdentities: [uami.id],
    });
    const shell = await runbook(id, 'ShellJob', 'shell', SHELL);
    const python = await runbook(id, 'PyJob', 'python', PYTHON, false);
    await runbook(id, 'PsJob', 'powershell', POWERSHELL);
    await runbook(id, 'Plain', 'shell', 'echo plain');

    const dry = await call('POST', migrateUrl(id), { dryRun: true, publish: true });
    expect(dry.statusCode, dry.body).toBe(200);
    const plan = dry.json();
    expect(plan.identity).toEqual({ action: 'would-enable', principalId: null });
    expect(plan.roleAssignments).toEqual([
      expect.objectContaining({
        role: 'Contributor',
        scope: `/automationAccounts/${id}`,
        action: 'would-assign',
      }),
    ]);
    const byName = (r: MigrationReport) =>
      Object.fromEntries(r.runbooks.map((x) => [x.name, x])) as Record<
        string,
        MigrationReport['runbooks'][number]
      >;
    const planned = byName(plan);
    expect(Object.keys(planned).sort()).toEqual(['PsJob', 'PyJob', 'ShellJob']);
    expect(planned.ShellJob).toMatchObject({ action: 'would-publish' });
    expect(planned.ShellJob!.diff).toContain('-steward login --service-principal');
    expect(planned.ShellJob!.diff).toContain('+steward login --identity');
    expect(planned.PyJob!.diff).toContain('+cred = ManagedIdentityCredential()');
    expect(planned.PsJob).toMatchObject({ action: 'needs-manual' });
    expect(planned.PsJob!.manual[0]).toMatchObject({ line: 1 });
    // Nothing changed.
    const acct = (await call('GET', `/api/v1/automation-accounts/${id}`)).json();
    expect(acct.identity.principalId).toBeNull();
    expect(await draftOf(shell)).toBe(SHELL);

    const run = await call('POST', migrateUrl(id), { publish: true });
    expect(run.statusCode, run.body).toBe(200);
    const done = run.json();
    expect(done.identity.action).toBe('enabled');
    const after = (await call('GET', `/api/v1/automation-accounts/${id}`)).json();
    expect(after.identity.type).toBe('SystemAssigned, UserAssigned');
    expect(after.identity.userAssignedIdentities.map((u: { id: string }) => u.id)).toEqual([uami.id]);
    expect(await assignmentsOf(after.identity.principalId)).toEqual([
      expect.objectContaining({ role: 'Contributor', scope: `/automationAccounts/${id}` }),
    ]);
    const got = byName(done);
    expect(got.ShellJob).toMatchObject({ action: 'published', publishedVersion: 2, error: null });
    expect(got.PyJob).toMatchObject({ action: 'published' });
    expect(got.PsJob).toMatchObject({ action: 'needs-manual' });
    const published = await contentOf(shell, 'published');
    expect(published).toContain('steward login --identity');
    expect(published).not.toMatch(/AzureRunAs|service-principal/);
    expect(await draftOf(python)).toContain('ManagedIdentityCredential()');
    expect(done.stillUsingRunAs).toEqual(['PsJob']);
    expect(done.complete).toBe(false);
    expect(done.nextStep).toContain('PsJob');
    const audit = (await call('GET', '/api/v1/audit?kind=runas.migrate')).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0].target).toBe(id);

    const again = (await call('POST', migrateUrl(id), { publish: true })).json();
    expect(again.identity.action).toBe('present');
    expect(again.roleAssignments.map((r: { action: string }) => r.action)).toEqual(['present']);
    expect(again.runbooks.map((r: { name: string; action: string }) => [r.name, r.action])).toEqual([
      ['PsJob', 'needs-manual'],
    ]);
    const versions = (await call('GET', `/api/v1/runbooks/${shell}/versions`)).json();
    expect((versions.items ?? versions).length).toBe(2);
  });

  it('with least privilege gives Reader, plus what the principal wrote in the window', async () => {
    const quiet = await accountWithRunAs('mig-quiet');
    const r1 = (await call('POST', migrateUrl(quiet.id), { leastPrivilege: true })).json();
    expect(r1.auditedWrites).toEqual([]);
    expect(r1.roleAssignments.map((r: { role: string; action: string }) => [r.role, r.action])).toEqual([
      ['Reader', 'assigned'],
    ]);

    // The principal changed a runbook: Contributor is needed.
    const busy = await accountWithRunAs('mig-busy');
    const rb = await runbook(busy.id, 'Edited', 'shell', 'echo 1', false);
    await t.database.db.transaction(async (tx) => {
      const { appendAudit } = await import('../audit/audit-repo.js');
      await appendAudit(tx, {
        actor: `identity:${busy.runAs.servicePrincipalId}`,
        kind: 'runbook.draft',
        target: rb,
        details: {},
      });
    });
    const r2 = (await call('POST', migrateUrl(busy.id), { leastPrivilege: true, dryRun: true })).json();
    expect(r2.auditedWrites).toEqual(['automation.write']);
    expect(r2.roleAssignments.map((r: { role: string }) => r.role)).toEqual(['Contributor']);
  });

  it('lets an author plan but not carry out; refuses operators, bad input and a missing Run As account', async () => {
    const { id } = await accountWithRunAs('mig-authz');
    const author = await t.tokenFor('author');
    expect((await call('POST', migrateUrl(id), { dryRun: true }, author)).statusCode).toBe(200);
    const refused = await call('POST', migrateUrl(id), {}, author);
    expect(refused.statusCode).toBe(403);
    for (const role of ['operator', 'read-only-operator', 'advanced-operator'] as const)
      expect((await call('POST', migrateUrl(id), { dryRun: true }, await t.tokenFor(role))).statusCode).toBe(
        403,
      );
    expect((await t.request({ method: 'POST', url: migrateUrl(id), body: {} })).statusCode).toBe(401);

    for (const [body, field] of [
      [{ dryRun: 'yes' }, 'dryRun'],
      [{ days: 0 }, 'days'],
      [{ publish: true, extra: '\u0000' }, ''],
    ] as const) {
      const res = await call('POST', migrateUrl(id), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      if (field) expect(JSON.stringify(res.json().error.issues)).toContain(field);
    }
    expect((await call('GET', `/api/v1/automation-accounts/${id}`)).json().identity.principalId).toBeNull();

    const bare = (await call('POST', '/api/v1/automation-accounts', { name: 'mig-bare' })).json();
    const none = await call('POST', migrateUrl(bare.id), {});
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toContain('mig-bare');
  });
});
