// Proves automation accounts over HTTP: create with default limits and the built-in connection types, rename and
// change limits, names refused or taken naming the field (NUL and lone surrogates too), delete cascading to
// runbooks, assets, schedules, webhooks, jobs and their sealed values (audited) while Run As accounts stay, and
// who may do what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { roles, rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const create = (body: unknown, token = t.adminToken) =>
  t.request({ method: 'POST', url: '/api/v1/automation-accounts', token, body });
const count = async (sql: string, params: unknown[] = []) =>
  Number((await t.database.query<{ n: string }>(sql, params))[0]?.n);

describe('automation accounts', () => {
  it('creates one with the default limits and the AzureServicePrincipal connection type, audited', async () => {
    const res = await create({ name: 'ops-automation', description: 'Ops runbooks' });
    expect(res.statusCode).toBe(201);
    const a = res.json();
    expect(a).toMatchObject({
      name: 'ops-automation',
      description: 'Ops runbooks',
      disableLocalAuth: false,
      limits: { maxConcurrentJobs: 10, maxNewJobsPer30s: 100, fairShareSeconds: 10800, jobRetentionDays: 30 },
    });
    expect(a.id).toMatch(/^aa_[a-z0-9]+$/);
    const types = await t.request({
      method: 'GET',
      url: `/api/v1/automation-accounts/${a.id}/connection-types`,
      token: t.adminToken,
    });
    expect(types.json().items).toEqual([
      expect.objectContaining({
        name: 'AzureServicePrincipal',
        builtIn: true,
        fields: ['ApplicationId', 'TenantId', 'CertificateThumbprint', 'SubscriptionId'].map((name) => ({
          name,
          type: 'string',
          encrypted: false,
          optional: false,
        })),
      }),
    ]);
    expect(
      await count(
        `SELECT count(*) AS n FROM audit_log WHERE kind = 'automation-account.create' AND target = $1`,
        [a.id],
      ),
    ).toBe(1);
    const shown = await t.request({
      method: 'GET',
      url: `/api/v1/automation-accounts/${a.id}`,
      token: t.adminToken,
    });
    expect(shown.json()).toEqual(a);
  });

  it('renames, sets disableLocalAuth and changes only the limits given', async () => {
    const a = (await create({ name: 'to-change', limits: { maxConcurrentJobs: 3 } })).json();
    expect(a.limits.maxConcurrentJobs).toBe(3);
    const res = await t.request({
      method: 'PATCH',
      url: `/api/v1/automation-accounts/${a.id}`,
      token: t.adminToken,
      body: { name: 'changed', disableLocalAuth: true, limits: { jobRetentionDays: 7 } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: 'changed',
      disableLocalAuth: true,
      limits: { maxConcurrentJobs: 3, maxNewJobsPer30s: 100, fairShareSeconds: 10800, jobRetentionDays: 7 },
    });
  });

  it('refuses a taken name with 409 on body.name, on create and on rename', async () => {
    await create({ name: 'taken-name' });
    const again = await create({ name: 'taken-name' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.issues).toEqual([{ path: 'body.name', message: 'is taken' }]);
    const other = (await create({ name: 'other-name' })).json();
    const rename = await t.request({
      method: 'PATCH',
      url: `/api/v1/automation-accounts/${other.id}`,
      token: t.adminToken,
      body: { name: 'taken-name' },
    });
    expect(rename.statusCode).toBe(409);
  });

  it.each([
    [{ name: 'bad name' }, 'body.name'],
    [{ name: 'x\u0000y' }, 'body.name'],
    [{ name: 'ok-name', description: 'lone \ud800 surrogate' }, 'body.description'],
    [{ name: '9starts-with-digit' }, 'body.name'],
    [{ name: 'ok-name', limits: { maxConcurrentJobs: 0 } }, 'body.limits.maxConcurrentJobs'],
    [{ name: 'ok-name', limits: { fairShareSeconds: 1.5 } }, 'body.limits.fairShareSeconds'],
    [{ name: 'ok-name', identity: 'SystemAssigned' }, 'body.identity'],
    [{ name: 'ok-name', identity: { type: 'UserAssigned' } }, 'body.identity.userAssignedIdentities'],
    [{ name: 'ok-name', runAs: true }, 'body'],
  ])('refuses %j with 400 naming %s, writing nothing', async (body, path) => {
    const before = await count('SELECT count(*) AS n FROM automation_accounts');
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await count('SELECT count(*) AS n FROM automation_accounts')).toBe(before);
  });

  it('answers 404 for an account that does not exist', async () => {
    for (const method of ['GET', 'DELETE'])
      expect(
        (await t.request({ method, url: '/api/v1/automation-accounts/aa_nope', token: t.adminToken }))
          .statusCode,
      ).toBe(404);
  });

  it('deletes with its runbooks, versions, assets and sealed values, audited with counts, never a Run As account', async () => {
    const runAs = await t.request({
      method: 'POST',
      url: '/api/v1/accounts',
      token: t.adminToken,
      body: { name: 'scom-account', credential: { type: 'basic', userName: 'u', password: 'p4ssword' } },
    });
    expect(runAs.statusCode).toBe(201);
    const a = (await create({ name: 'doomed' })).json();
    const rb = (
      await t.request({
        method: 'POST',
        url: `/api/v1/automation-accounts/${a.id}/runbooks`,
        token: t.adminToken,
        body: {
          name: 'hello',
          type: 'shell',
          content: 'echo hi',
          parameters: [{ name: 'Token', type: 'string', required: false, secret: true }],
        },
      })
    ).json();
    await t.request({ method: 'POST', url: `/api/v1/runbooks/${rb.id}/publish`, token: t.adminToken });
    const post = async (url: string, body: unknown) => {
      const res = await t.request({ method: 'POST', url, token: t.adminToken, body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    // A job that has not run yet (no server here runs jobs), holding a sealed secret parameter.
    const jobId = await post(`/api/v1/runbooks/${rb.id}/jobs`, { parameters: { Token: 'queued-secret-81' } });
    expect(await count('SELECT count(*) AS n FROM sealed_secrets WHERE id = $1', [jobId])).toBe(1);
    await post(`/api/v1/automation-accounts/${a.id}/schedules`, {
      name: 'Nightly',
      frequency: 'day',
      startTime: '2030-01-01T02:30:00Z',
      timeZone: 'UTC',
    });
    await post(`/api/v1/automation-accounts/${a.id}/webhooks`, { name: 'Hook', runbookId: rb.id });
    const cred = await t.request({
      method: 'PUT',
      url: `/api/v1/automation-accounts/${a.id}/credentials/svc`,
      token: t.adminToken,
      body: { userName: 'svc', password: 'very-secret-1' },
    });
    expect(cred.statusCode).toBe(201);
    const assetId = cred.json().id;
    expect(await count('SELECT count(*) AS n FROM sealed_secrets WHERE id = $1', [assetId])).toBe(1);

    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/automation-accounts/${a.id}`,
      token: t.adminToken,
    });
    expect(del.statusCode).toBe(204);
    expect(await count('SELECT count(*) AS n FROM runbooks WHERE automation_account_id = $1', [a.id])).toBe(
      0,
    );
    expect(await count('SELECT count(*) AS n FROM runbook_versions WHERE runbook_id = $1', [rb.id])).toBe(0);
    expect(
      await count('SELECT count(*) AS n FROM automation_assets WHERE automation_account_id = $1', [a.id]),
    ).toBe(0);
    expect(await count('SELECT count(*) AS n FROM sealed_secrets WHERE id = $1', [assetId])).toBe(0);
    for (const table of ['automation_jobs', 'automation_schedules', 'automation_webhooks'])
      expect(
        await count(`SELECT count(*) AS n FROM ${table} WHERE automation_account_id = $1`, [a.id]),
        table,
      ).toBe(0);
    expect(await count('SELECT count(*) AS n FROM sealed_secrets WHERE id = $1', [jobId])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM accounts WHERE id = $1', [runAs.json().id])).toBe(1);
    const [audit] = await t.database.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE kind = 'automation-account.delete' AND target = $1`,
      [a.id],
    );
    expect(audit?.details).toEqual({
      name: 'doomed',
      deleted: {
        runbooks: 1,
        assets: { credential: 1 },
        schedules: 1,
        webhooks: 1,
        jobs: 1,
        roleAssignments: 0,
        policyAssignments: 0,
      },
      systemIdentityDeleted: a.identity.principalId,
    });
  });
});

describe('who may do what', () => {
  it('lets every role read, and refuses writes to operators and read-only operators with 403', async () => {
    const a = (await create({ name: 'roles-check' })).json();
    expect(rolesWithout('automation.read')).toEqual([]);
    expect(rolesWithout('automation.manage')).toEqual([
      'advanced-operator',
      'operator',
      'read-only-operator',
    ]);
    for (const role of roles) {
      const token = await t.tokenFor(role);
      expect((await t.request({ method: 'GET', url: '/api/v1/automation-accounts', token })).statusCode).toBe(
        200,
      );
    }
    // Starting a job is not managing: operators may (jobs.test.ts proves who may start and stop).
    const writes = t.app.routePolicies.filter(
      (r) =>
        (r.url.startsWith('/api/v1/automation-accounts') || r.url.startsWith('/api/v1/runbooks')) &&
        r.permission !== 'automation.jobs',
    );
    expect(writes.length).toBeGreaterThan(20);
    for (const role of rolesWithout('automation.manage')) {
      const token = await t.tokenFor(role);
      for (const r of writes.filter((w) => w.method !== 'GET')) {
        expect(r.permission).toBe('automation.manage');
        const res = await t.request({
          method: r.method,
          url: r.url.replace(':accountId', a.id).replace(/:(\w+)/g, 'x'),
          token,
          body: r.method === 'DELETE' ? undefined : {},
        });
        expect(res.statusCode, `${r.method} ${r.url} as ${role}`).toBe(403);
      }
    }
    for (const r of writes.filter((w) => w.method === 'GET')) expect(r.permission).toBe('automation.read');
    const noToken = await t.request({ method: 'GET', url: '/api/v1/automation-accounts' });
    expect(noToken.statusCode).toBe(401);
  });

  it('lets an author create, change and delete', async () => {
    const token = await t.tokenFor('author');
    const a = await create({ name: 'by-author' }, token);
    expect(a.statusCode).toBe(201);
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: `/api/v1/automation-accounts/${a.json().id}`,
          token,
          body: { description: 'x' },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/automation-accounts/${a.json().id}`, token }))
        .statusCode,
    ).toBe(204);
  });
});
