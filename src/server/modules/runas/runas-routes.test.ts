// Proves legacy Run As accounts over HTTP: creation makes the application, principal, certificate (RSA 2048, 12
// months by default or as asked) and both assets in one go, with matching fields and a Complete status; an
// enterprise-CA upload is taken instead (never a public-only one); a changed thumbprint or a missing asset shows
// Incomplete with the reason; renewal puts a new certificate in both assets and keeps the old one accepted;
// deletion is refused (409, naming them) while runbooks or recent jobs use it, with no force; it removes the
// parts and keeps the automation account;
// runas-usage finds every runbook version of every type that signs in with it and the jobs that read it; bad
// input names the field and changes nothing; only administrators and authors change it; no private key leaves.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createRunAsCertificate } from '../../../crypto/run-as-certificate.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const runAsUrl = (id: string) => `/api/v1/automation-accounts/${id}/run-as-account`;

async function account(name: string) {
  const res = await call('POST', '/api/v1/automation-accounts', { name });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; name: string; identity: { tenantId: string } };
}
async function withRunAs(name: string, body: Record<string, unknown> = {}) {
  const a = await account(name);
  const res = await call('POST', runAsUrl(a.id), body);
  expect(res.statusCode, res.body).toBe(201);
  return { account: a, runAs: res.json() };
}
const months = (from: Date, to: string) => (new Date(to).getTime() - from.getTime()) / (30.44 * 86_400_000);

describe('creating a Run As account', () => {
  it('makes the application, principal, certificate and both assets, matching, Complete, audited', async () => {
    const before = new Date();
    const { account: a, runAs: r } = await withRunAs('ra-create');
    expect(r.displayName).toMatch(/^ra-create_[A-Za-z0-9_-]{22}$/);
    expect(r.applicationId).toMatch(uuid);
    expect(r.servicePrincipalId).toMatch(uuid);
    expect(r).toMatchObject({
      status: 'Complete',
      statusReasons: [],
      certificateSource: 'self-signed',
      legacy: true,
    });
    expect(Math.round(months(before, r.certificate.expiresAt))).toBe(12);
    expect(r.acceptedCertificates.map((c: { thumbprint: string }) => c.thumbprint)).toEqual([
      r.certificate.thumbprint,
    ]);
    expect(r.advisory.nextStep).toBe('steward automation runas delete ra-create');

    const cert = (
      await call('GET', `/api/v1/automation-accounts/${a.id}/certificates/AzureRunAsCertificate`)
    ).json();
    expect(cert).toMatchObject({
      thumbprint: r.certificate.thumbprint,
      hasPrivateKey: true,
      exportable: true,
    });
    const conn = (
      await call('GET', `/api/v1/automation-accounts/${a.id}/connections/AzureRunAsConnection`)
    ).json();
    expect(conn).toMatchObject({
      connectionType: 'AzureServicePrincipal',
      fieldValues: {
        ApplicationId: r.applicationId,
        TenantId: a.identity.tenantId,
        CertificateThumbprint: r.certificate.thumbprint,
        SubscriptionId: a.identity.tenantId,
      },
    });
    // The job's view holds the key: RSA 2048, and it belongs to the certificate.
    const forJob = await t.app.automation.assets.readAssetForJob(
      a.id,
      'certificate',
      'AzureRunAsCertificate',
    );
    if (forJob.kind !== 'certificate' || !forJob.privateKeyPem) throw new Error('no key for the job');
    const x = new X509Certificate(forJob.certificatePem);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x.checkPrivateKey(createPrivateKey(forJob.privateKeyPem))).toBe(true);

    const audit = await t.database.query<{ kind: string; details: unknown }>(
      `SELECT kind, details FROM audit_log WHERE target = $1 OR details->>'automationAccountId' = $1 ORDER BY seq`,
      [a.id],
    );
    // The default policy effect is Audit, and new Run As accounts are past Azure's creation end date: the
    // creation goes through and is recorded as non-compliant.
    expect(audit.map((x) => x.kind)).toEqual([
      'automation-account.create',
      'asset.set',
      'asset.set',
      'runas.create',
      'policy.non-compliant',
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/PRIVATE KEY|privateKeyPem/);
  });

  it('takes the validity asked for, and refuses a second Run As account', async () => {
    const before = new Date();
    const { account: a, runAs: r } = await withRunAs('ra-months', { validityMonths: 3 });
    expect(Math.round(months(before, r.certificate.expiresAt))).toBe(3);
    const again = await call('POST', runAsUrl(a.id), {});
    expect(again.statusCode).toBe(409);
  });

  it('takes an enterprise-CA certificate with its key instead, and refuses one without a key', async () => {
    const made = await createRunAsCertificate({ commonName: 'Contoso Issuing CA leaf', months: 6 });
    const a = await account('ra-upload');
    const noKey = await call('POST', runAsUrl(a.id), {
      certificate: { format: 'pem', certificatePem: made.certificatePem },
    });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.issues[0].path).toBe('body.certificate');
    const cer = await call('POST', runAsUrl(a.id), {
      certificate: { format: 'cer', certificateBase64: Buffer.from('x').toString('base64') },
    });
    expect(cer.json().error.issues[0].path).toBe('body.certificate.format');
    const res = await call('POST', runAsUrl(a.id), {
      certificate: { format: 'pem', certificatePem: made.certificatePem, privateKeyPem: made.privateKeyPem },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      certificateSource: 'enterprise-ca',
      certificate: { thumbprint: new X509Certificate(made.certificatePem).fingerprint.replace(/:/g, '') },
    });
    expect(res.body).not.toContain('PRIVATE KEY');
  });

  it('refuses bad input naming the field, and changes nothing', async () => {
    const a = await account('ra-bad');
    for (const [body, path] of [
      [{ validityMonths: 0 }, 'body.validityMonths'],
      [{ validityMonths: 121 }, 'body.validityMonths'],
      [{ subscriptionId: 'sub\u0000' }, 'body.subscriptionId'],
      [{ subscriptionId: '\ud800' }, 'body.subscriptionId'],
      [{ extra: true }, 'body'],
    ] as const) {
      const res = await call('POST', runAsUrl(a.id), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json().error.issues)).toContain(path);
    }
    expect((await call('GET', runAsUrl(a.id))).statusCode).toBe(404);
    expect((await call('POST', runAsUrl('aa_nosuch'), {})).statusCode).toBe(404);
  });

  it('is refused to every role that may not manage automation', async () => {
    const a = await account('ra-roles');
    for (const role of rolesWithout('automation.manage')) {
      const token = await t.tokenFor(role);
      expect((await call('POST', runAsUrl(a.id), {}, token)).statusCode, role).toBe(403);
      expect((await call('GET', runAsUrl(a.id), undefined, token)).statusCode, role).toBe(404);
    }
    const author = await t.tokenFor('author');
    expect((await call('POST', runAsUrl(a.id), {}, author)).statusCode).toBe(201);
    const reader = await t.tokenFor('read-only-operator');
    expect((await call('POST', `${runAsUrl(a.id)}/renew`, {}, reader)).statusCode).toBe(403);
    expect((await call('DELETE', runAsUrl(a.id), undefined, reader)).statusCode).toBe(403);
    expect((await call('GET', runAsUrl(a.id), undefined, reader)).statusCode).toBe(200);
  });
});

describe('status, renewal and deletion', () => {
  it('is Incomplete when the thumbprints differ or an asset is missing, naming why', async () => {
    const { account: a, runAs: r } = await withRunAs('ra-incomplete');
    const put = await call('PUT', `/api/v1/automation-accounts/${a.id}/connections/AzureRunAsConnection`, {
      connectionType: 'AzureServicePrincipal',
      fieldValues: {
        ApplicationId: r.applicationId,
        TenantId: r.tenantId,
        CertificateThumbprint: 'ABCDEF',
        SubscriptionId: r.subscriptionId,
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const shown = (await call('GET', runAsUrl(a.id))).json();
    expect(shown.status).toBe('Incomplete');
    expect(shown.statusReasons.join(' ')).toContain('CertificateThumbprint (ABCDEF) differs');
    await call('DELETE', `/api/v1/automation-accounts/${a.id}/certificates/AzureRunAsCertificate`);
    expect((await call('GET', runAsUrl(a.id))).json().statusReasons).toContain(
      'The certificate asset is missing.',
    );
  });

  it('renews: a new certificate in both assets, the old one still accepted; revokePrevious stops it', async () => {
    const { account: a, runAs: r } = await withRunAs('ra-renew');
    const renewed = await call('POST', `${runAsUrl(a.id)}/renew`, { validityMonths: 6 });
    expect(renewed.statusCode, renewed.body).toBe(200);
    const n = renewed.json();
    expect(n.certificate.thumbprint).not.toBe(r.certificate.thumbprint);
    expect(n.status).toBe('Complete');
    expect(n.renewedAt).not.toBeNull();
    expect(n.acceptedCertificates.map((c: { thumbprint: string }) => c.thumbprint).sort()).toEqual(
      [r.certificate.thumbprint, n.certificate.thumbprint].sort(),
    );
    const conn = (
      await call('GET', `/api/v1/automation-accounts/${a.id}/connections/AzureRunAsConnection`)
    ).json();
    expect(conn.fieldValues.CertificateThumbprint).toBe(n.certificate.thumbprint);
    const third = (await call('POST', `${runAsUrl(a.id)}/renew`, { revokePrevious: true })).json();
    expect(third.acceptedCertificates.map((c: { thumbprint: string }) => c.thumbprint)).toEqual([
      third.certificate.thumbprint,
    ]);
    const [audit] = await t.database.query<{ details: { revoked: string[] } }>(
      `SELECT details FROM audit_log WHERE kind = 'runas.renew' AND target = $1 ORDER BY seq DESC LIMIT 1`,
      [a.id],
    );
    expect(audit?.details.revoked.sort()).toEqual(
      [r.certificate.thumbprint, n.certificate.thumbprint].sort(),
    );
  });

  it('refuses deletion while a runbook or a recent job uses it, naming them, and keeps the automation account', async () => {
    const { account: a, runAs: r } = await withRunAs('ra-delete');
    const rb = await call('POST', `/api/v1/automation-accounts/${a.id}/runbooks`, {
      name: 'uses-runas',
      type: 'shell',
      content: 'steward login --service-principal --app-id x --tenant y --cert-thumbprint z\n',
    });
    expect(rb.statusCode, rb.body).toBe(201);
    expect((await call('POST', `/api/v1/runbooks/${rb.json().id}/publish`)).statusCode).toBe(200);
    expect((await call('GET', runAsUrl(a.id))).json().advisory).toMatchObject({
      usedBy: { runbooks: ['uses-runas'] },
      nextStep: 'steward automation runas-usage --account ra-delete',
    });
    const refused = await call('DELETE', runAsUrl(a.id));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('CONFLICT');
    expect(refused.json().error.message).toContain('uses-runas (draft, v1 published)');
    expect(refused.json().error.issues).toEqual([
      { path: 'runbooks', message: 'uses-runas: draft, v1 published' },
    ]);
    // No force: the query names only the window of jobs.
    const forced = await call('DELETE', `${runAsUrl(a.id)}?force=true`);
    expect(forced.statusCode).toBe(400);
    for (const days of ['0', 'x', '3651'])
      expect((await call('DELETE', `${runAsUrl(a.id)}?days=${days}`)).statusCode, days).toBe(400);
    for (const role of ['operator', 'read-only-operator', 'advanced-operator'] as const)
      expect(
        (await t.request({ method: 'DELETE', url: runAsUrl(a.id), token: await t.tokenFor(role) }))
          .statusCode,
      ).toBe(403);

    // The runbook moves to the identity: a job that read the connection (its record gone) still blocks.
    await call('PUT', `/api/v1/runbooks/${rb.json().id}/draft`, { content: 'steward login --identity\n' });
    expect((await call('POST', `/api/v1/runbooks/${rb.json().id}/publish`)).statusCode).toBe(200);
    await t.app.automation.assets.readAssetForJob(a.id, 'connection', 'AzureRunAsConnection', {
      actor: 'job:job_gone1',
      jobId: 'job_gone1',
    });
    const byJob = await call('DELETE', `${runAsUrl(a.id)}?days=1`);
    expect(byJob.statusCode).toBe(409);
    expect(byJob.json().error.message).toContain('job(s) of the last 1 days job_gone1 (its record is gone)');
    expect(byJob.json().error.issues).toEqual([{ path: 'jobs', message: 'job_gone1: its record is gone' }]);
    expect((await call('GET', runAsUrl(a.id))).statusCode).toBe(200);
    await t.database.query(`DELETE FROM audit_log WHERE details->>'jobId' = 'job_gone1'`);

    expect((await call('DELETE', runAsUrl(a.id))).statusCode).toBe(204);
    const [audit] = await t.database.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE kind = 'runas.delete' AND target = $1`,
      [a.id],
    );
    expect(audit?.details).toMatchObject({ applicationId: r.applicationId, jobDays: 7 });
    expect((await call('GET', runAsUrl(a.id))).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/automation-accounts/${a.id}`)).statusCode).toBe(200);
    expect((await call('GET', `/api/v1/automation-accounts/${a.id}/assets`)).json().items).toEqual([]);
    expect(await t.database.query(`SELECT 1 FROM applications WHERE app_id = $1`, [r.applicationId])).toEqual(
      [],
    );
    expect(
      await t.database.query(`SELECT 1 FROM service_principals WHERE app_id = $1`, [r.applicationId]),
    ).toEqual([]);
  });
});

describe('runas-usage', () => {
  it('lists every runbook version of every type that uses Run As, with lines, and the jobs that read it', async () => {
    const { account: a } = await withRunAs('ra-usage');
    const make = async (name: string, type: string, content: string) => {
      const res = await call('POST', `/api/v1/automation-accounts/${a.id}/runbooks`, { name, type, content });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const ps = await make('ps', 'powershell', '$c = Get-AutomationConnection -Name azurerunasconnection\n');
    await call('POST', `/api/v1/runbooks/${ps}/publish`, {});
    await call('PUT', `/api/v1/runbooks/${ps}/draft`, { content: 'Connect-AzAccount -Identity\n' });
    await make('py', 'python', 'import os\nconn = get("AzureRunAsConnection")\n');
    await make('js', 'node', 'const c = new ClientCertificateCredential(t, a, { certificate })\n');
    await make('clean', 'shell', 'steward login --identity\n');
    await t.app.automation.assets.readAssetForJob(a.id, 'certificate', 'AzureRunAsCertificate', {
      actor: 'job:job_usage1',
      jobId: 'job_usage1',
    });

    const res = await call('GET', '/api/v1/run-as-usage?account=ra-usage');
    expect(res.statusCode, res.body).toBe(200);
    const [item] = res.json().items;
    const found = Object.fromEntries(
      item.runbooks.map((r: { name: string; versions: { state: string; hits: { line: number }[] }[] }) => [
        r.name,
        r.versions.map((v) => [v.state, v.hits.map((h) => h.line)]),
      ]),
    );
    expect(found).toEqual({
      ps: [['published', [1]]],
      py: [['draft', [2]]],
      js: [['draft', [1]]],
    });
    expect(item.jobs).toEqual([
      expect.objectContaining({ jobId: 'job_usage1', read: 'AzureRunAsCertificate' }),
    ]);
    expect(item.runAs.status).toBe('Complete');
    expect(item.runAs.roleAssignments).toEqual([
      { role: 'Contributor', scope: `/automationAccounts/${a.id}` },
    ]);
    expect(item.runAs.defaultRoleOnly).toBe(true);
    // A role given beyond the default: no longer the default alone (A12).
    const given = await call('POST', '/api/v1/role-assignments', {
      principalId: item.runAs.servicePrincipalId,
      role: 'Reader',
      scope: '/',
    });
    expect(given.statusCode, given.body).toBe(201);
    const after = (await call('GET', '/api/v1/run-as-usage?account=ra-usage')).json().items[0];
    expect(after.runAs.defaultRoleOnly).toBe(false);
    expect(after.runAs.roleAssignments).toHaveLength(2);
    expect((await call('GET', '/api/v1/run-as-usage?days=0')).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/run-as-usage?account=nosuch')).statusCode).toBe(404);
  });
});
