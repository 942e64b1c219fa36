// Proves that identity tokens (audience api://steward) call Steward's own API with exactly the rights of their
// principal's role assignments at the scope of the resource touched: none at first (R59); Reader reads an
// account's runbooks, jobs, schedules and assets but changes nothing; Automation Job Operator on one runbook
// starts, shows and stops its jobs and nothing else; Automation Operator runs jobs and reads runbooks but not
// assets; Contributor writes beneath its scope only and cannot assign roles; Owner assigns and removes roles
// at its scope only; Run As Reader reads one Run As account (never a secret) and nothing else; lists of a whole
// kind need a role at the management group; routes that cannot be scoped refuse identities. A removed
// assignment bites on the next request, also when removed through another server; writes are audited with the
// identity as actor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityToken } from '../support/identity-token.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let other: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  other = await createTestApp({ sameGroupAs: t });
});
afterAll(async () => {
  await other.close();
  await t.close();
});

const admin = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, token: t.adminToken, body });
async function made(url: string, body: unknown) {
  const res = await admin('POST', url, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
async function grant(principalId: string, role: string, scope: string) {
  return (await made('/api/v1/role-assignments', { principalId, role, scope })).id as string;
}
const shell = (accountId: string, name: string) =>
  made(`/api/v1/automation-accounts/${accountId}/runbooks`, { name, type: 'shell', content: 'echo hi' });
async function published(accountId: string, name: string) {
  const rb = await shell(accountId, name);
  expect((await admin('POST', `/api/v1/runbooks/${rb.id}/publish`)).statusCode).toBe(200);
  return rb;
}

/** Status codes of the calls, as one object, so a failure shows every answer at once. */
async function statuses(token: string, calls: Record<string, [string, string, unknown?]>) {
  const out: Record<string, number> = {};
  for (const [name, [method, url, body]] of Object.entries(calls))
    out[name] = (await t.request({ method, url, token, body })).statusCode;
  return out;
}

describe('an identity token on the API', () => {
  it('has no rights without a role assignment (R59)', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-none' });
    const token = await identityToken(t, aa.id);
    const res = await t.request({ method: 'GET', url: `/api/v1/automation-accounts/${aa.id}`, token });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(res.json().error.message).toContain(`/automationAccounts/${aa.id}`);
  });

  it('as Reader of an account reads what is in it and changes nothing', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-reader' });
    const bb = await made('/api/v1/automation-accounts', { name: 'idapi-reader-other' });
    const rb = await published(aa.id, 'Read-Me');
    const job = await made(`/api/v1/runbooks/${rb.id}/jobs`, {});
    const sch = await made(`/api/v1/automation-accounts/${aa.id}/schedules`, {
      name: 'Daily',
      frequency: 'day',
      interval: 1,
      startTime: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(
      (await admin('PUT', `/api/v1/automation-accounts/${aa.id}/variables/Region`, { value: 'west' }))
        .statusCode,
    ).toBe(201);
    await grant(aa.identity.principalId, 'Reader', `/automationAccounts/${aa.id}`);
    const token = await identityToken(t, aa.id);
    expect(
      await statuses(token, {
        account: ['GET', `/api/v1/automation-accounts/${aa.id}`],
        runbooks: ['GET', `/api/v1/automation-accounts/${aa.id}/runbooks`],
        runbook: ['GET', `/api/v1/runbooks/${rb.id}`],
        content: ['GET', `/api/v1/runbooks/${rb.id}/content`],
        jobs: ['GET', `/api/v1/jobs?account=${aa.id}`],
        job: ['GET', `/api/v1/jobs/${job.id}`],
        streams: ['GET', `/api/v1/jobs/${job.id}/streams`],
        schedule: ['GET', `/api/v1/schedules/${sch.id}`],
        assets: ['GET', `/api/v1/automation-accounts/${aa.id}/assets`],
        variable: ['GET', `/api/v1/automation-accounts/${aa.id}/variables/Region`],
        roles: ['GET', `/api/v1/role-assignments?scope=/automationAccounts/${aa.id}`],
        patch: ['PATCH', `/api/v1/automation-accounts/${aa.id}`, { description: 'x' }],
        newRunbook: ['POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, { name: 'No', type: 'shell' }],
        start: ['POST', `/api/v1/runbooks/${rb.id}/jobs`, {}],
        stop: ['POST', `/api/v1/jobs/${job.id}/stop`],
        setVariable: ['PUT', `/api/v1/automation-accounts/${aa.id}/variables/Region`, { value: 'east' }],
        deleteSchedule: ['DELETE', `/api/v1/schedules/${sch.id}`],
        otherAccount: ['GET', `/api/v1/automation-accounts/${bb.id}`],
        allAccounts: ['GET', '/api/v1/automation-accounts'],
        allJobs: ['GET', '/api/v1/jobs'],
        assign: [
          'POST',
          '/api/v1/role-assignments',
          { principalId: aa.identity.principalId, role: 'Owner', scope: `/automationAccounts/${aa.id}` },
        ],
      }),
    ).toEqual({
      account: 200,
      runbooks: 200,
      runbook: 200,
      content: 200,
      jobs: 200,
      job: 200,
      streams: 200,
      schedule: 200,
      assets: 200,
      variable: 200,
      roles: 200,
      patch: 403,
      newRunbook: 403,
      start: 403,
      stop: 403,
      setVariable: 403,
      deleteSchedule: 403,
      otherAccount: 403,
      allAccounts: 403,
      allJobs: 403,
      assign: 403,
    });
    expect((await admin('GET', `/api/v1/automation-accounts/${aa.id}/variables/Region`)).json().value).toBe(
      'west',
    );
  });

  it('as Automation Job Operator of one runbook starts, shows and stops its jobs, and nothing else', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-jobop' });
    const rb = await published(aa.id, 'Mine');
    const elsewhere = await published(aa.id, 'NotMine');
    await grant(
      aa.identity.principalId,
      'Automation Job Operator',
      `/automationAccounts/${aa.id}/runbooks/${rb.id}`,
    );
    const token = await identityToken(t, aa.id);
    const started = await t.request({
      method: 'POST',
      url: `/api/v1/runbooks/${rb.id}/jobs`,
      token,
      body: {},
    });
    expect(started.statusCode, started.body).toBe(201);
    const job = started.json();
    expect(job.startedBy).toBe(`identity:${aa.identity.principalId}`);
    expect(
      await statuses(token, {
        show: ['GET', `/api/v1/jobs/${job.id}`],
        listMine: ['GET', `/api/v1/jobs?runbook=${rb.id}`],
        stop: ['POST', `/api/v1/jobs/${job.id}/stop`],
        listAccount: ['GET', `/api/v1/jobs?account=${aa.id}`],
        startOther: ['POST', `/api/v1/runbooks/${elsewhere.id}/jobs`, {}],
        readRunbook: ['GET', `/api/v1/runbooks/${rb.id}`],
        assets: ['GET', `/api/v1/automation-accounts/${aa.id}/assets`],
      }),
    ).toEqual({
      show: 200,
      listMine: 200,
      stop: 200,
      listAccount: 403,
      startOther: 403,
      readRunbook: 403,
      assets: 403,
    });
    const audit = await t.database.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE kind = 'job.stop' AND target = $1`,
      [job.id],
    );
    expect(audit.map((a) => a.actor)).toEqual([`identity:${aa.identity.principalId}`]);
  });

  it('as Automation Operator runs jobs and reads runbooks, but not assets', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-op' });
    const rb = await published(aa.id, 'Ops');
    await grant(aa.identity.principalId, 'Automation Operator', `/automationAccounts/${aa.id}`);
    const token = await identityToken(t, aa.id);
    expect(
      await statuses(token, {
        runbook: ['GET', `/api/v1/runbooks/${rb.id}`],
        start: ['POST', `/api/v1/runbooks/${rb.id}/jobs`, {}],
        jobs: ['GET', `/api/v1/jobs?account=${aa.id}`],
        assets: ['GET', `/api/v1/automation-accounts/${aa.id}/assets`],
        editRunbook: ['PUT', `/api/v1/runbooks/${rb.id}/draft`, { content: 'echo changed' }],
      }),
    ).toEqual({ runbook: 200, start: 201, jobs: 200, assets: 403, editRunbook: 403 });
  });

  it('as Contributor writes beneath its scope, not elsewhere, and cannot assign roles', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-contrib' });
    const bb = await made('/api/v1/automation-accounts', { name: 'idapi-contrib-other' });
    await grant(aa.identity.principalId, 'Contributor', `/automationAccounts/${aa.id}`);
    const token = await identityToken(t, aa.id);
    expect(
      await statuses(token, {
        newRunbook: [
          'POST',
          `/api/v1/automation-accounts/${aa.id}/runbooks`,
          { name: 'Made', type: 'shell' },
        ],
        setVariable: ['PUT', `/api/v1/automation-accounts/${aa.id}/variables/Mode`, { value: 'on' }],
        patch: ['PATCH', `/api/v1/automation-accounts/${aa.id}`, { description: 'by its identity' }],
        otherRunbook: [
          'POST',
          `/api/v1/automation-accounts/${bb.id}/runbooks`,
          { name: 'No', type: 'shell' },
        ],
        newAccount: ['POST', '/api/v1/automation-accounts', { name: 'idapi-nope' }],
        assign: [
          'POST',
          '/api/v1/role-assignments',
          { principalId: bb.identity.principalId, role: 'Reader', scope: `/automationAccounts/${aa.id}` },
        ],
      }),
    ).toEqual({
      newRunbook: 201,
      setVariable: 201,
      patch: 200,
      otherRunbook: 403,
      newAccount: 403,
      assign: 403,
    });
    const audit = await t.database.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE kind = 'automation-account.update' AND target = $1`,
      [aa.id],
    );
    expect(audit.map((a) => a.actor)).toContain(`identity:${aa.identity.principalId}`);
  });

  it('as Owner of an account assigns and removes roles there, and nowhere else', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-owner' });
    const bb = await made('/api/v1/automation-accounts', { name: 'idapi-owner-other' });
    const u = await made('/api/v1/user-assigned-identities', { name: 'idapi-helper' });
    await grant(aa.identity.principalId, 'Owner', `/automationAccounts/${aa.id}`);
    const elsewhere = await grant(u.principalId, 'Reader', `/automationAccounts/${bb.id}`);
    const token = await identityToken(t, aa.id);
    const assign = (scope: string) =>
      t.request({
        method: 'POST',
        url: '/api/v1/role-assignments',
        token,
        body: { principalId: u.principalId, role: 'Reader', scope },
      });
    const here = await assign(`/automationAccounts/${aa.id}`);
    expect(here.statusCode, here.body).toBe(201);
    expect(here.json().createdBy).toBe(`identity:${aa.identity.principalId}`);
    expect((await assign('/')).statusCode).toBe(403);
    expect((await assign(`/automationAccounts/${bb.id}`)).statusCode).toBe(403);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/role-assignments/${elsewhere}`, token })).statusCode,
    ).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/role-assignments', token })).statusCode).toBe(403);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/role-assignments/${here.json().id}`, token }))
        .statusCode,
    ).toBe(204);
    const audit = await t.database.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE kind = 'role-assignment.delete' AND target = $1`,
      [here.json().id],
    );
    expect(audit.map((a) => a.actor)).toEqual([`identity:${aa.identity.principalId}`]);
  });

  it('as Run As Reader reads that Run As account, never its secret, and nothing else', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-runas' });
    const password = 'pw-idapi-runas-secret';
    const acct = await made('/api/v1/accounts', {
      name: 'idapi-windows',
      credential: { type: 'windows', userName: 'svc', domain: 'CONTOSO', password },
    });
    const otherAcct = await made('/api/v1/accounts', {
      name: 'idapi-windows-2',
      credential: { type: 'windows', userName: 'svc2', domain: 'CONTOSO', password },
    });
    await grant(aa.identity.principalId, 'Run As Reader', `/runAsAccounts/${acct.id}`);
    const token = await identityToken(t, aa.id);
    const read = await t.request({ method: 'GET', url: `/api/v1/accounts/${acct.id}`, token });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().name).toBe('idapi-windows');
    expect(read.body).not.toContain(password);
    expect(
      await statuses(token, {
        other: ['GET', `/api/v1/accounts/${otherAcct.id}`],
        all: ['GET', '/api/v1/accounts'],
        change: ['PATCH', `/api/v1/accounts/${acct.id}`, { description: 'x' }],
        automation: ['GET', `/api/v1/automation-accounts/${aa.id}`],
      }),
    ).toEqual({ other: 403, all: 403, change: 403, automation: 403 });
  });

  it('with a role at the management group lists every account; routes that cannot be scoped still refuse it', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-root' });
    await grant(aa.identity.principalId, 'Owner', '/');
    const token = await identityToken(t, aa.id);
    expect(
      await statuses(token, {
        accounts: ['GET', '/api/v1/automation-accounts'],
        jobs: ['GET', '/api/v1/jobs'],
        me: ['GET', '/api/v1/me'],
        identities: ['GET', '/api/v1/user-assigned-identities'],
        audit: ['GET', '/api/v1/audit'],
        users: ['GET', '/api/v1/users'],
        keys: ['GET', '/api/v1/identity/signing-keys'],
        newRunAs: ['POST', '/api/v1/accounts', { name: 'x' }],
      }),
    ).toEqual({
      accounts: 200,
      jobs: 200,
      me: 403,
      identities: 403,
      audit: 403,
      users: 403,
      keys: 403,
      newRunAs: 403,
    });
  });

  it('of a user-assigned identity has the rights of that identity, not of the account it is attached to', async () => {
    const u = await made('/api/v1/user-assigned-identities', { name: 'idapi-uami' });
    const aa = await made('/api/v1/automation-accounts', {
      name: 'idapi-uami-account',
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [u.id] },
    });
    await grant(u.principalId, 'Reader', `/automationAccounts/${aa.id}`);
    const system = await identityToken(t, aa.id);
    const user = await identityToken(t, aa.id, { clientId: u.clientId });
    const url = `/api/v1/automation-accounts/${aa.id}`;
    expect((await t.request({ method: 'GET', url, token: user })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url, token: system })).statusCode).toBe(403);
  });

  it('loses a right on the next request once its assignment is removed, also through another server', async () => {
    const aa = await made('/api/v1/automation-accounts', { name: 'idapi-revoke' });
    const url = `/api/v1/automation-accounts/${aa.id}`;
    const token = await identityToken(t, aa.id);
    const first = await grant(aa.identity.principalId, 'Reader', `/automationAccounts/${aa.id}`);
    expect((await t.request({ method: 'GET', url, token })).statusCode).toBe(200);
    expect((await other.request({ method: 'GET', url, token })).statusCode).toBe(200);
    expect((await admin('DELETE', `/api/v1/role-assignments/${first}`)).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url, token })).statusCode).toBe(403);
    expect((await other.request({ method: 'GET', url, token })).statusCode).toBe(403);

    // Removed through the other server: this one refuses at once.
    const second = await grant(aa.identity.principalId, 'Reader', '/');
    expect((await t.request({ method: 'GET', url, token })).statusCode).toBe(200);
    const removed = await other.request({
      method: 'DELETE',
      url: `/api/v1/role-assignments/${second}`,
      token: other.adminToken,
    });
    expect(removed.statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url, token })).statusCode).toBe(403);
  });
});
