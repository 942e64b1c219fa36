// Proves role assignments over HTTP: an administrator assigns a role to an identity's principal at a scope
// path (the management group, an account, a runbook, a schedule, a Run As account, a pool), lists them by
// principal and by scope, and removes them; every change is audited; an identity starts with none (R59); bad
// principals, roles and scopes (malformed, NUL, lone surrogates, resources that do not exist) are 400s naming
// the field and change nothing; a duplicate is 409; people other than administrators are refused; deleting an
// identity, turning off a system identity or deleting an account, a runbook or a schedule removes the
// assignments that go with it (audited with their number), and no others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });

async function made(method: string, url: string, body: unknown) {
  const res = await call(method, url, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
const assign = (body: Record<string, unknown>, token = t.adminToken) =>
  call('POST', '/api/v1/role-assignments', body, token);
const list = async (query = '') =>
  (await call('GET', `/api/v1/role-assignments${query}`)).json().items as {
    id: string;
    principalId: string;
    role: string;
    scope: string;
  }[];
const count = async () =>
  (await t.database.query<{ n: number }>('SELECT count(*)::int AS n FROM role_assignments'))[0]!.n;

describe('role assignments', () => {
  it('are made, listed by principal and scope, removed, and audited; a new identity has none', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-ops' });
    const rb = await made('POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, {
      name: 'Rb',
      type: 'shell',
    });
    const u = await made('POST', '/api/v1/user-assigned-identities', { name: 'ra-uami' });
    expect(await list(`?principalId=${aa.identity.principalId}`)).toEqual([]);

    const onAccount = await assign({
      principalId: aa.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${aa.id}`,
    });
    expect(onAccount.statusCode, onAccount.body).toBe(201);
    expect(onAccount.json()).toMatchObject({
      id: expect.stringMatching(/^ra_[0-9a-z]+$/),
      principalType: 'SystemAssigned',
      identityId: aa.id,
      role: 'Reader',
      createdBy: expect.stringMatching(/^user:/),
    });
    const onRunbook = await assign({
      principalId: u.principalId.toUpperCase(),
      role: 'Automation Job Operator',
      scope: `/automationAccounts/${aa.id}/runbooks/${rb.id}`,
    });
    expect(onRunbook.statusCode, onRunbook.body).toBe(201);
    expect(onRunbook.json()).toMatchObject({
      principalId: u.principalId,
      principalType: 'UserAssigned',
      identityId: u.id,
    });
    const root = await assign({ principalId: u.principalId, role: 'Run As Reader', scope: '/' });
    expect(root.statusCode, root.body).toBe(201);

    expect((await list(`?principalId=${u.principalId}`)).map((r) => r.role).sort()).toEqual([
      'Automation Job Operator',
      'Run As Reader',
    ]);
    expect((await list(`?scope=/automationAccounts/${aa.id}`)).map((r) => r.id).sort()).toEqual(
      [onAccount.json().id, onRunbook.json().id].sort(),
    );
    expect((await list(`?scope=/automationAccounts/${aa.id}/runbooks/${rb.id}`)).map((r) => r.id)).toEqual([
      onRunbook.json().id,
    ]);

    const again = await assign({
      principalId: aa.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${aa.id}`,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALREADY_EXISTS');

    expect((await call('DELETE', `/api/v1/role-assignments/${onAccount.json().id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/role-assignments/${onAccount.json().id}`)).statusCode).toBe(404);
    const audit = await t.database.query<{ kind: string; target: string; details: Record<string, unknown> }>(
      `SELECT kind, target, details FROM audit_log WHERE kind LIKE 'role-assignment.%' AND target = $1 ORDER BY seq`,
      [onAccount.json().id],
    );
    expect(audit.map((a) => a.kind)).toEqual(['role-assignment.create', 'role-assignment.delete']);
    expect(audit[0]!.details).toMatchObject({
      principalId: aa.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${aa.id}`,
    });
  });

  it('take every scope kind whose resource exists', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-scopes' });
    const sch = await made('POST', `/api/v1/automation-accounts/${aa.id}/schedules`, {
      name: 'Nightly',
      frequency: 'day',
      interval: 1,
      startTime: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const acct = await made('POST', '/api/v1/accounts', {
      name: 'ra-windows',
      credential: { type: 'windows', userName: 'svc', domain: 'CONTOSO', password: 'pw-ra-secret' },
    });
    const pool = (await call('GET', '/api/v1/pools')).json().items[0];
    for (const scope of [
      `/automationAccounts/${aa.id}/schedules/${sch.id}`,
      `/runAsAccounts/${acct.id}`,
      `/pools/${pool.id}`,
    ]) {
      const res = await assign({ principalId: aa.identity.principalId, role: 'Reader', scope });
      expect(res.statusCode, `${scope}: ${res.body}`).toBe(201);
    }
  });

  it('refuse bad input naming the field, and change nothing', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-bad' });
    const other = await made('POST', '/api/v1/automation-accounts', { name: 'ra-bad-other' });
    const rb = await made('POST', `/api/v1/automation-accounts/${other.id}/runbooks`, {
      name: 'Rb',
      type: 'shell',
    });
    const good = {
      principalId: aa.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${aa.id}`,
    };
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, principalId: 'not-a-uuid' }, 'principalId'],
      [{ ...good, principalId: '00000000-0000-4000-8000-000000000000' }, 'principalId'],
      [{ ...good, principalId: `${aa.identity.principalId}\u0000` }, 'principalId'],
      [{ ...good, role: 'Administrator' }, 'role'],
      [{ ...good, role: 'Reader\ud800' }, 'role'],
      [{ ...good, scope: 'automationAccounts' }, 'scope'],
      [{ ...good, scope: `/automationAccounts/${aa.id}/` }, 'scope'],
      [{ ...good, scope: `/automationAccounts/${aa.id}/../..` }, 'scope'],
      [{ ...good, scope: `/automationAccounts/${aa.id}\u0000` }, 'scope'],
      [{ ...good, scope: '/automationAccounts/aa_doesnotexist' }, 'scope'],
      // A runbook of another account, named under this one.
      [{ ...good, scope: `/automationAccounts/${aa.id}/runbooks/${rb.id}` }, 'scope'],
      [{ ...good, scope: '/runAsAccounts/acct_nothere' }, 'scope'],
      [{ ...good, extra: 1 }, ''],
      [{ role: 'Reader', scope: '/' }, 'principalId'],
    ];
    for (const [body, field] of cases) {
      const res = await assign(body);
      expect(res.statusCode, `${JSON.stringify(body)}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.json().error.issues)).toContain(field);
    }
    const badQuery = await call('GET', '/api/v1/role-assignments?scope=%2Fnowhere');
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.issues[0].path).toContain('scope');
    expect(await count()).toBe(before);
  });

  it('are made and removed by administrators only', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-roles' });
    const body = { principalId: aa.identity.principalId, role: 'Owner', scope: '/' };
    const kept = (await assign({ ...body, role: 'Reader' })).json();
    for (const role of rolesWithout('roles.assign')) {
      const token = await t.tokenFor(role);
      const res = await assign(body, token);
      expect(res.statusCode, role).toBe(403);
      expect(
        (await call('DELETE', `/api/v1/role-assignments/${kept.id}`, undefined, token)).statusCode,
        role,
      ).toBe(403);
      // Every signed-in person reads them.
      expect((await call('GET', '/api/v1/role-assignments', undefined, token)).statusCode, role).toBe(200);
    }
    expect(await list(`?principalId=${aa.identity.principalId}`)).toHaveLength(1);
  });

  it('go with their identity: a deleted user-assigned identity, a system identity turned off, a deleted account', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-gone' });
    const bb = await made('POST', '/api/v1/automation-accounts', { name: 'ra-gone-2' });
    const u = await made('POST', '/api/v1/user-assigned-identities', { name: 'ra-gone-uami' });
    const keeper = await made('POST', '/api/v1/user-assigned-identities', { name: 'ra-keeper' });
    for (const principalId of [aa.identity.principalId, bb.identity.principalId, u.principalId])
      expect((await assign({ principalId, role: 'Reader', scope: '/' })).statusCode).toBe(201);
    // An assignment of another identity scoped beneath the account goes with the account.
    expect(
      (
        await assign({
          principalId: keeper.principalId,
          role: 'Reader',
          scope: `/automationAccounts/${aa.id}`,
        })
      ).statusCode,
    ).toBe(201);
    expect((await assign({ principalId: keeper.principalId, role: 'Reader', scope: '/' })).statusCode).toBe(
      201,
    );

    expect((await call('DELETE', `/api/v1/user-assigned-identities/${u.id}`)).statusCode).toBe(204);
    expect(await list(`?principalId=${u.principalId}`)).toEqual([]);

    const off = await call('PATCH', `/api/v1/automation-accounts/${bb.id}`, { identity: { type: 'None' } });
    expect(off.statusCode, off.body).toBe(200);
    expect(await list(`?principalId=${bb.identity.principalId}`)).toEqual([]);

    expect((await call('DELETE', `/api/v1/automation-accounts/${aa.id}`)).statusCode).toBe(204);
    expect(await list(`?principalId=${aa.identity.principalId}`)).toEqual([]);
    expect((await list(`?principalId=${keeper.principalId}`)).map((r) => r.scope)).toEqual(['/']);
    const audit = await t.database.query<{ details: { deleted: { roleAssignments: number } } }>(
      `SELECT details FROM audit_log WHERE kind = 'automation-account.delete' AND target = $1`,
      [aa.id],
    );
    expect(audit[0]!.details.deleted.roleAssignments).toBe(2);
  });

  it('go with their runbook or schedule: deleting either removes the assignments scoped to it, audited, and no others', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-rb-sch' });
    const u = await made('POST', '/api/v1/user-assigned-identities', { name: 'ra-rb-sch-uami' });
    const rb = await made('POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, {
      name: 'Gone',
      type: 'shell',
    });
    const other = await made('POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, {
      name: 'Kept',
      type: 'shell',
    });
    const sch = await made('POST', `/api/v1/automation-accounts/${aa.id}/schedules`, {
      name: 'Hourly',
      frequency: 'hour',
      interval: 1,
      startTime: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const base = `/automationAccounts/${aa.id}`;
    for (const [principalId, scope] of [
      [aa.identity.principalId, `${base}/runbooks/${rb.id}`],
      [u.principalId, `${base}/runbooks/${rb.id}`],
      [u.principalId, `${base}/runbooks/${other.id}`],
      [u.principalId, `${base}/schedules/${sch.id}`],
      [u.principalId, base],
    ])
      expect((await assign({ principalId, role: 'Reader', scope })).statusCode).toBe(201);

    expect((await call('DELETE', `/api/v1/runbooks/${rb.id}`)).statusCode).toBe(204);
    expect((await list(`?scope=${base}`)).map((r) => r.scope).sort()).toEqual(
      [base, `${base}/runbooks/${other.id}`, `${base}/schedules/${sch.id}`].sort(),
    );
    expect((await call('DELETE', `/api/v1/schedules/${sch.id}`)).statusCode).toBe(204);
    expect((await list(`?scope=${base}`)).map((r) => r.scope).sort()).toEqual(
      [base, `${base}/runbooks/${other.id}`].sort(),
    );

    const audit = await t.database.query<{ kind: string; details: { roleAssignmentsRemoved: number } }>(
      `SELECT kind, details FROM audit_log WHERE target = ANY($1) AND kind IN ('runbook.delete', 'schedule.delete') ORDER BY seq`,
      [[rb.id, sch.id]],
    );
    expect(audit.map((a) => [a.kind, a.details.roleAssignmentsRemoved])).toEqual([
      ['runbook.delete', 2],
      ['schedule.delete', 1],
    ]);
  });
});

describe('role assignments on a Run As account', () => {
  it('go with the account: deleting it removes the assignments scoped to it, audited, and no others', async () => {
    const aa = await made('POST', '/api/v1/automation-accounts', { name: 'ra-runas-gone' });
    const kept = await made('POST', '/api/v1/accounts', {
      name: 'ra-kept',
      credential: { type: 'windows', userName: 'svc', domain: 'CONTOSO', password: 'pw-kept-secret' },
    });
    const gone = await made('POST', '/api/v1/accounts', {
      name: 'ra-gone',
      credential: { type: 'windows', userName: 'svc', domain: 'CONTOSO', password: 'pw-gone-secret' },
    });
    for (const acct of [kept, gone])
      expect(
        (
          await assign({
            principalId: aa.identity.principalId,
            role: 'Run As Reader',
            scope: `/runAsAccounts/${acct.id}`,
          })
        ).statusCode,
      ).toBe(201);
    expect((await call('DELETE', `/api/v1/accounts/${gone.id}`)).statusCode).toBe(204);
    const left = (await list(`?principalId=${aa.identity.principalId}`)).map((a) => a.scope);
    expect(left).toEqual([`/runAsAccounts/${kept.id}`]);
    const audit = (await call('GET', `/api/v1/audit?kind=account.delete&limit=500`)).json().items;
    expect(audit.find((r: { target: string }) => r.target === gone.id)?.details.roleAssignmentsRemoved).toBe(
      1,
    );
  });
});
