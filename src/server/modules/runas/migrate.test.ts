// Proves the migration off a legacy Run As account over HTTP: a dry run reports the plan — identity to enable,
// the principal's Contributor to copy, a diff per runbook — and changes nothing; the real run enables the
// identity (keeping a user-assigned one), copies the role, writes each rewritten draft, test-runs each draft with
// nothing left by hand (real cloud jobs) and with `publish` publishes only those whose test run passed, lists what
// a person must change by line, and is audited; `test` alone reports the outcomes and publishes nothing; running
// it again changes nothing more; a second migration of the account at once is refused with 409 and changes
// nothing; least privilege gives Reader plus what the principal's audited writes needed; only an administrator
// carries it out (an author may plan); bad input names the field and changes nothing.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import type { MigrationReport } from '../../../contract/runas-migrate.js';

let t: TestApp;
let base = '';
let rounds: NodeJS.Timeout;
beforeAll(async () => {
  // Listening, and holding the Automation Pool: test runs of drafts are real cloud jobs that sign in with the
  // account's identity (`steward login --identity` against STEWARD_URL).
  t = await createTestApp({ issuerUrl: () => base || undefined });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  await t.app.runtime.leases.renew();
  // The rounds of the Automation Pool a running server makes on its own.
  rounds = setInterval(() => void t.app.runtime.runJobs().catch(() => undefined), 250);
});
afterAll(async () => {
  clearInterval(rounds);
  await t.app.runtime.stop();
  await t.close();
});

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
    expect(done.tested).toBe(true);
    const got = byName(done);
    // The shell draft's test run signed in with the identity and read the account: published.
    expect(got.ShellJob).toMatchObject({
      action: 'published',
      publishedVersion: 2,
      error: null,
      notPublished: null,
      test: { status: 'Completed', passed: true },
    });
    // The python draft needs azure.identity, which this job environment lacks: its test run fails, it stays a draft.
    expect(got.PyJob).toMatchObject({
      action: 'draft-written',
      publishedVersion: null,
      test: { status: 'Failed', passed: false },
    });
    expect(got.PyJob!.notPublished).toMatch(/^its test run did not pass: the test job ended Failed/);
    const pyJob = (await call('GET', `/api/v1/jobs/${got.PyJob!.test!.jobId}`)).json();
    expect(pyJob).toMatchObject({ isTest: true, runbookVersion: 'draft' });
    expect(got.PsJob).toMatchObject({ action: 'needs-manual', test: null });
    expect(got.PsJob!.notPublished).toBe('lines are left to change by hand');
    const published = await contentOf(shell, 'published');
    expect(published).toContain('steward login --identity');
    expect(published).not.toMatch(/AzureRunAs|service-principal/);
    expect(await draftOf(python)).toContain('ManagedIdentityCredential()');
    expect(done.stillUsingRunAs).toEqual(['PsJob']);
    expect(done.complete).toBe(false);
    expect(done.nextStep).toContain('PsJob');
    expect(done.nextStep).toContain('PyJob');
    expect((await call('GET', `/api/v1/runbooks/${python}`)).json().publishedVersion ?? null).toBeNull();
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

  it('with test, test-runs each rewritten draft and reports the outcome, publishing nothing', async () => {
    const { id } = await accountWithRunAs('mig-test-only');
    const passes = await runbook(id, 'Passes', 'shell', SHELL);
    const fails = await runbook(id, 'Fails', 'shell', `${SHELL}\nexit 3`);
    const r = await call('POST', migrateUrl(id), { test: true });
    expect(r.statusCode, r.body).toBe(200);
    const got = Object.fromEntries((r.json() as MigrationReport).runbooks.map((x) => [x.name, x])) as Record<
      string,
      MigrationReport['runbooks'][number]
    >;
    expect(got.Passes).toMatchObject({ action: 'draft-written', test: { passed: true }, notPublished: null });
    expect(got.Fails).toMatchObject({ action: 'draft-written', test: { status: 'Failed', passed: false } });
    // Published versions are untouched: both still sign in with Run As until published.
    for (const rb of [passes, fails])
      expect(await contentOf(rb, 'published')).toBe(rb === passes ? SHELL : `${SHELL}\nexit 3`);
    expect(r.json().stillUsingRunAs.sort()).toEqual(['Fails', 'Passes']);
    expect(r.json().nextStep).toContain('Fails');
    const starts = (await call('GET', '/api/v1/audit?kind=job.start'))
      .json()
      .items.filter((a: { details: { runbookId: string } }) => [passes, fails].includes(a.details.runbookId));
    expect(starts.map((a: { details: { test: boolean } }) => a.details.test)).toEqual([true, true]);
  });

  it('runs one migration of an account at a time: a second at once is refused with 409 and changes nothing', async () => {
    const { id } = await accountWithRunAs('mig-twice');
    await runbook(id, 'Slow', 'shell', `${SHELL}\nsleep 1`);
    const [a, b] = await Promise.all([
      call('POST', migrateUrl(id), { publish: true }),
      call('POST', migrateUrl(id), { publish: true }),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes, `${a.body}\n${b.body}`).toEqual([200, 409]);
    const refused = a.statusCode === 409 ? a : b;
    expect(refused.json().error.code).toBe('CONFLICT');
    expect(refused.json().error.message).toMatch(/A migration of 'mig-twice' is already running/);
    const account = (await call('GET', `/api/v1/automation-accounts/${id}`)).json();
    expect(await assignmentsOf(account.identity.principalId)).toHaveLength(1);
    const migrations = (await call('GET', '/api/v1/audit?kind=runas.migrate'))
      .json()
      .items.filter((x: { target: string }) => x.target === id);
    expect(migrations).toHaveLength(1);
    // Once it ended, the next one may run (and has nothing left to do).
    const again = await call('POST', migrateUrl(id), { publish: true });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ complete: true, runbooks: [] });
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
      [{ test: 'yes' }, 'test'],
      [{ publish: true, testTimeoutSeconds: 5 }, 'testTimeoutSeconds'],
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
