// Proves policies over HTTP: the three built-in definitions are listed; an administrator assigns one at the
// management group or an account and removes it, audited; the server's default assignment is listed and cannot
// be removed; bad definitions, scopes, effects and parameters are 400s naming the field and change nothing, a
// duplicate is 409; roles other than administrator and identities without Owner at the scope are refused.
// Deny: creating a Run As account, or an account with local authentication on, is refused with a 403 naming
// the policy and the assignment, and nothing is made. Audit: the change goes through, `policy.non-compliant`
// is recorded, and compliance lists the account with the reason; compliance follows every change of the
// account, its identity, its Run As account and the assignments. Deleting an account removes its assignments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityToken } from '../../../../test/support/identity-token.js';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
beforeAll(async () => {
  // The server's default assignment off, so each test sees only the assignments it makes.
  t = await createTestApp({
    legacyRunAsPolicy: { effect: 'Disabled', creationEndsOn: '2023-04-01', renewalEndsOn: '2023-10-01' },
  });
});
afterAll(() => t.close());

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });
const base = '/api/v1/policy/assignments';
const assign = (body: Record<string, unknown>, token = t.adminToken) => call('POST', base, body, token);
async function account(body: Record<string, unknown>) {
  const res = await call('POST', '/api/v1/automation-accounts', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; identity: { principalId: string } };
}
async function assigned(body: Record<string, unknown>) {
  const res = await assign(body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}
const unassign = async (id: string) => expect((await call('DELETE', `${base}/${id}`)).statusCode).toBe(204);
type ComplianceItem = {
  resource: { id: string };
  definitionId: string;
  assignmentId: string;
  state: string;
  reason: string;
};
const compliance = async (query = '') => {
  const res = await call('GET', `/api/v1/policy/compliance${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as ComplianceItem[];
};
const storedCount = async () =>
  (await t.database.query<{ n: number }>('SELECT count(*)::int AS n FROM policy_assignments'))[0]!.n;
const auditOf = (kind: string, target: string) =>
  t.database.query<{ actor: string; details: Record<string, unknown> }>(
    'SELECT actor, details FROM audit_log WHERE kind = $1 AND target = $2 ORDER BY seq',
    [kind, target],
  );

describe('policy definitions and assignments', () => {
  it('lists the three built-in definitions with their effects and parameters', async () => {
    const res = await call(
      'GET',
      '/api/v1/policy/definitions',
      undefined,
      await t.tokenFor('read-only-operator'),
    );
    expect(res.statusCode).toBe(200);
    const items = res.json().items as {
      id: string;
      allowedEffects: string[];
      parameters: { name: string }[];
    }[];
    expect(items.map((d) => [d.id, d.allowedEffects])).toEqual([
      ['automation-account-managed-identity', ['Audit', 'Disabled']],
      ['automation-account-local-auth-disabled', ['Audit', 'Deny', 'Disabled']],
      ['no-new-certificate-run-as-accounts', ['Deny', 'Audit', 'Disabled']],
    ]);
    expect(items[2]!.parameters.map((p) => p.name)).toEqual(['creationEndsOn', 'renewalEndsOn']);
  });

  it('assigns at an account with parameters, lists with the default first, removes; each change audited', async () => {
    const a = await account({ name: 'pol-assign' });
    const scope = `/automationAccounts/${a.id}`;
    const made = await assign({
      definitionId: 'no-new-certificate-run-as-accounts',
      scope,
      effect: 'Audit',
      parameters: { creationEndsOn: '2030-01-01' },
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({
      id: expect.stringMatching(/^pa_[0-9a-z]+$/),
      definitionName: 'No new certificate Run As accounts',
      scope,
      effect: 'Audit',
      parameters: { creationEndsOn: '2030-01-01', renewalEndsOn: '2023-10-01' },
      origin: 'api',
      createdBy: expect.stringMatching(/^user:/),
    });
    const listed = (await call('GET', base)).json().items as { id: string; origin: string; effect: string }[];
    expect(listed[0]).toMatchObject({
      id: 'pa_default-no-new-run-as',
      origin: 'configuration',
      effect: 'Disabled',
    });
    expect(listed.map((x) => x.id)).toContain(made.json().id);
    // The default effect of a definition when none is given.
    const mi = await assigned({ definitionId: 'dea83a72-443c-4292-83d5-54a2f98749c0', scope });
    expect((await call('GET', base)).json().items.find((x: { id: string }) => x.id === mi.id)).toMatchObject({
      definitionId: 'automation-account-managed-identity',
      effect: 'Audit',
    });

    await unassign(made.json().id);
    await unassign(mi.id);
    expect((await call('DELETE', `${base}/${mi.id}`)).statusCode).toBe(404);
    const [created] = await auditOf('policy-assignment.create', made.json().id);
    expect(created?.details).toMatchObject({
      policyId: 'no-new-certificate-run-as-accounts',
      scope,
      effect: 'Audit',
    });
    expect(await auditOf('policy-assignment.delete', made.json().id)).toHaveLength(1);
    // The server's default assignment is changed by its configuration, not removed.
    const fixed = await call('DELETE', `${base}/pa_default-no-new-run-as`);
    expect(fixed.statusCode).toBe(422);
    expect(fixed.json().error.message).toContain('STEWARD_RUNAS_POLICY_EFFECT');
  });

  it('refuses bad input with a 400 naming the field, and a duplicate with 409; nothing changes', async () => {
    const a = await account({ name: 'pol-bad' });
    const scope = `/automationAccounts/${a.id}`;
    const before = await storedCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ definitionId: 'no-such-policy', scope }, 'body.definitionId'],
      [{ definitionId: 'automation-account-managed-identity', scope: '/nowhere' }, 'body.scope'],
      [
        { definitionId: 'automation-account-managed-identity', scope: `${scope}/runbooks/rb_x` },
        'body.scope',
      ],
      [
        { definitionId: 'automation-account-managed-identity', scope: '/automationAccounts/aa_missing' },
        'body.scope',
      ],
      [{ definitionId: 'automation-account-managed-identity', scope, effect: 'Deny' }, 'body.effect'],
      [{ definitionId: 'automation-account-managed-identity', scope, effect: 'Block' }, 'body.effect'],
      [
        {
          definitionId: 'no-new-certificate-run-as-accounts',
          scope,
          parameters: { creationEndsOn: '1 April' },
        },
        'body.parameters.creationEndsOn',
      ],
      [
        { definitionId: 'no-new-certificate-run-as-accounts', scope, parameters: { colour: 'red' } },
        'body.parameters.colour',
      ],
      [{ definitionId: 'automation-account-managed-identity', scope, extra: 1 }, 'body'],
      [{ scope }, 'body.definitionId'],
    ];
    for (const [body, path] of cases) {
      const res = await assign(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(
        res
          .json()
          .error.issues.map((i: { path: string }) => i.path)
          .join(' '),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(await storedCount()).toBe(before);
    const once = await assigned({ definitionId: 'automation-account-managed-identity', scope });
    const twice = await assign({ definitionId: 'automation-account-managed-identity', scope });
    expect(twice.statusCode).toBe(409);
    expect(await storedCount()).toBe(before + 1);
    await unassign(once.id);
  });

  it('refuses every role but administrator, and identities without Owner at the scope', async () => {
    const a = await account({ name: 'pol-authz' });
    const scope = `/automationAccounts/${a.id}`;
    const body = { definitionId: 'automation-account-local-auth-disabled', scope, effect: 'Audit' };
    const mine = await assigned(body);
    for (const role of rolesWithout('policy.assign')) {
      const token = await t.tokenFor(role);
      expect((await call('GET', base, undefined, token)).statusCode, role).toBe(403);
      expect((await assign({ ...body, scope: '/' }, token)).statusCode, role).toBe(403);
      expect((await call('DELETE', `${base}/${mine.id}`, undefined, token)).statusCode, role).toBe(403);
      // Everyone signed in reads compliance.
      expect((await call('GET', '/api/v1/policy/compliance', undefined, token)).statusCode, role).toBe(200);
    }
    expect((await t.request({ method: 'GET', url: base })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/api/v1/policy/compliance' })).statusCode).toBe(401);

    // An identity: refused without a role; Contributor is not enough; Owner at the account assigns there only.
    const token = await identityToken(t, a.id);
    expect((await assign({ ...body, scope: '/' }, token)).statusCode).toBe(403);
    const role = (r: string, s: string) =>
      call('POST', '/api/v1/role-assignments', { principalId: a.identity.principalId, role: r, scope: s });
    expect((await role('Contributor', scope)).statusCode).toBe(201);
    expect((await call('DELETE', `${base}/${mine.id}`, undefined, token)).statusCode).toBe(403);
    expect((await role('Owner', scope)).statusCode).toBe(201);
    expect((await assign({ ...body, scope: '/' }, token)).statusCode).toBe(403);
    expect((await call('GET', base, undefined, token)).statusCode).toBe(403);
    expect((await call('DELETE', `${base}/${mine.id}`, undefined, token)).statusCode).toBe(204);
    const again = await assign(body, token);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().createdBy).toMatch(/^identity:/);
    await unassign(again.json().id);
  });
});

describe('Deny, Audit and compliance', () => {
  it('Deny refuses creating a Run As account with a 403 naming the policy and the assignment; nothing is made', async () => {
    const a = await account({ name: 'pol-deny-runas' });
    const deny = await assigned({
      definitionId: 'no-new-certificate-run-as-accounts',
      scope: `/automationAccounts/${a.id}`,
      effect: 'Deny',
    });
    const refused = await call('POST', `/api/v1/automation-accounts/${a.id}/run-as-account`, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN');
    expect(refused.json().error.message).toContain("policy 'No new certificate Run As accounts'");
    expect(refused.json().error.message).toContain(`assignment ${deny.id}`);
    expect((await call('GET', `/api/v1/automation-accounts/${a.id}/run-as-account`)).statusCode).toBe(404);
    const [made] = await t.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE target = $1 AND kind IN ('runas.create', 'asset.set', 'policy.non-compliant')`,
      [a.id],
    );
    expect(made?.n).toBe(0);
    expect(
      (await t.database.query('SELECT 1 FROM applications WHERE automation_account_id = $1', [a.id])).length,
    ).toBe(0);
    // Another account, outside the assignment's scope, is not refused.
    const other = await account({ name: 'pol-deny-other' });
    expect(
      (await call('POST', `/api/v1/automation-accounts/${other.id}/run-as-account`, {})).statusCode,
    ).toBe(201);
    await unassign(deny.id);
  });

  it('Deny on local authentication refuses an account created or switched to it, not one already so', async () => {
    const deny = await assigned({
      definitionId: 'automation-account-local-auth-disabled',
      scope: '/',
      effect: 'Deny',
    });
    const refused = await call('POST', '/api/v1/automation-accounts', {
      name: 'pol-local',
      disableLocalAuth: false,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain(`assignment ${deny.id} at /`);
    expect(
      (await call('GET', '/api/v1/automation-accounts')).json().items.map((x: { name: string }) => x.name),
    ).not.toContain('pol-local');
    const ok = await account({ name: 'pol-local', disableLocalAuth: true });
    const off = await call('PATCH', `/api/v1/automation-accounts/${ok.id}`, { disableLocalAuth: false });
    expect(off.statusCode).toBe(403);
    expect((await call('GET', `/api/v1/automation-accounts/${ok.id}`)).json().disableLocalAuth).toBe(true);
    await unassign(deny.id);
  });

  it('Audit lets a Run As account be made, records it, and compliance lists the account until it is fixed', async () => {
    const a = await account({ name: 'pol-audit' });
    const scope = `/automationAccounts/${a.id}`;
    const audit = await assigned({
      definitionId: 'no-new-certificate-run-as-accounts',
      scope,
      effect: 'Audit',
    });
    const mi = await assigned({ definitionId: 'automation-account-managed-identity', scope });
    expect((await compliance(`?resourceId=${a.id}`)).map((r) => [r.definitionId, r.state])).toEqual([
      ['automation-account-managed-identity', 'compliant'],
      ['no-new-certificate-run-as-accounts', 'compliant'],
    ]);

    expect((await call('POST', `/api/v1/automation-accounts/${a.id}/run-as-account`, {})).statusCode).toBe(
      201,
    );
    const recorded = await auditOf('policy.non-compliant', a.id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.details).toMatchObject({
      policyId: 'no-new-certificate-run-as-accounts',
      assignmentId: audit.id,
      effect: 'Audit',
      operation: 'runas.create',
      resource: { type: 'automationAccount', id: a.id, name: 'pol-audit' },
    });
    const flagged = await compliance(`?state=non-compliant&resourceId=${a.id}`);
    expect(flagged).toEqual([
      expect.objectContaining({
        resource: expect.objectContaining({ id: a.id, name: 'pol-audit', scope }),
        definitionId: 'no-new-certificate-run-as-accounts',
        assignmentId: audit.id,
        effect: 'Audit',
        state: 'non-compliant',
        reason: expect.stringContaining('New certificate Run As accounts are not allowed since 2023-04-01'),
        evaluatedAt: expect.any(String),
      }),
    ]);

    // Identity turned off: the managed-identity policy flags it, and the change is recorded.
    await call('PATCH', `/api/v1/automation-accounts/${a.id}`, { identity: { type: 'None' } });
    expect((await compliance(`?state=non-compliant&resourceId=${a.id}`)).map((r) => r.definitionId)).toEqual([
      'automation-account-managed-identity',
      'no-new-certificate-run-as-accounts',
    ]);
    expect((await auditOf('policy.non-compliant', a.id)).map((r) => r.details.operation)).toEqual([
      'runas.create',
      'automation-account.update',
      'automation-account.update',
    ]);
    // A user-assigned identity attached, then deleted: compliance follows.
    const u = (await call('POST', '/api/v1/user-assigned-identities', { name: 'pol-uami' })).json();
    await call('PATCH', `/api/v1/automation-accounts/${a.id}`, {
      identity: { type: 'UserAssigned', userAssignedIdentities: [u.id] },
    });
    expect((await compliance(`?state=non-compliant&resourceId=${a.id}`)).map((r) => r.definitionId)).toEqual([
      'no-new-certificate-run-as-accounts',
    ]);
    expect((await call('DELETE', `/api/v1/user-assigned-identities/${u.id}`)).statusCode).toBe(204);
    expect(
      (await compliance(`?state=non-compliant&resourceId=${a.id}`)).map((r) => r.definitionId),
    ).toContain('automation-account-managed-identity');
    expect((await auditOf('policy.non-compliant', a.id)).at(-1)!.details.operation).toBe('identity.delete');

    // Deleting the Run As account makes it compliant; removing the assignment takes it out of compliance.
    expect((await call('DELETE', `/api/v1/automation-accounts/${a.id}/run-as-account`)).statusCode).toBe(204);
    expect((await compliance(`?assignmentId=${audit.id}`)).map((r) => r.state)).toEqual(['compliant']);
    await unassign(audit.id);
    expect((await call('GET', `/api/v1/policy/compliance?assignmentId=${audit.id}`)).statusCode).toBe(404);
    expect((await compliance(`?resourceId=${a.id}`)).map((r) => r.assignmentId)).toEqual([mi.id]);
  });

  it('an assignment at the management group reaches every account; deleting an account removes its assignments', async () => {
    const a = await account({ name: 'pol-group-a' });
    const b = await account({ name: 'pol-group-b', identity: { type: 'None' } });
    const all = await assigned({ definitionId: 'automation-account-managed-identity', scope: '/' });
    const states = await compliance(`?assignmentId=${all.id}`);
    expect(states.find((r) => r.resource.id === a.id)?.state).toBe('compliant');
    expect(states.find((r) => r.resource.id === b.id)).toMatchObject({
      state: 'non-compliant',
      reason: expect.stringContaining("'pol-group-b' has no managed identity"),
    });
    const [created] = await auditOf('policy-assignment.create', all.id);
    expect(created!.details.nonCompliant).toBeGreaterThanOrEqual(1);
    await unassign(all.id);

    const onB = await assigned({
      definitionId: 'automation-account-local-auth-disabled',
      scope: `/automationAccounts/${b.id}`,
    });
    expect((await call('DELETE', `/api/v1/automation-accounts/${b.id}`)).statusCode).toBe(204);
    expect((await call('GET', base)).json().items.map((x: { id: string }) => x.id)).not.toContain(onB.id);
  });
});
