// Proves managed identities over HTTP: a new automation account has a system-assigned identity (principal,
// client and the management group's tenant id) unless the body says None; user-assigned identities are made
// with their own ids and attached to many accounts; PATCH of the identity block follows R56 case by case
// (SystemAssigned drops the user-assigned ones without deleting them, None removes all, UserAssigned keeps the
// listed ones and drops the system one, the combined type keeps both); deleting an account deletes its system
// identity but not the user-assigned ones; bad blocks name the field; only administrators and authors manage.
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
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function account(name: string, body: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/v1/automation-accounts', { name, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
async function uami(name: string) {
  const res = await call('POST', '/api/v1/user-assigned-identities', { name });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
const patchIdentity = (id: string, identity: unknown, token = t.adminToken) =>
  call('PATCH', `/api/v1/automation-accounts/${id}`, { identity }, token);

describe('system-assigned identity', () => {
  it('is on for a new account: a principal and client id, the tenant id of the management group, audited', async () => {
    const a = await account('ident-default');
    expect(a.identity).toMatchObject({ type: 'SystemAssigned', userAssignedIdentities: [] });
    expect(a.identity.principalId).toMatch(uuid);
    expect(a.identity.clientId).toMatch(uuid);
    expect(a.identity.tenantId).toMatch(uuid);
    const b = await account('ident-default-2');
    expect(b.identity.tenantId).toBe(a.identity.tenantId);
    expect(b.identity.principalId).not.toBe(a.identity.principalId);
    const rows = await t.database.query<{ details: { identity: Record<string, unknown> } }>(
      `SELECT details FROM audit_log WHERE kind = 'automation-account.create' AND target = $1`,
      [a.id],
    );
    expect(rows[0]?.details.identity).toMatchObject({
      systemIdentity: 'created',
      principalId: a.identity.principalId,
    });
    expect((await call('DELETE', `/api/v1/automation-accounts/${b.id}`)).statusCode).toBe(204);
    const deleted = await t.database.query<{ details: { systemIdentityDeleted: string } }>(
      `SELECT details FROM audit_log WHERE kind = 'automation-account.delete' AND target = $1`,
      [b.id],
    );
    expect(deleted[0]?.details.systemIdentityDeleted).toBe(b.identity.principalId);
  });

  it('is off for an account created with type None', async () => {
    const a = await account('ident-none', { identity: { type: 'None' } });
    expect(a.identity).toMatchObject({ type: 'None', principalId: null, clientId: null });
  });

  it('keeps its principal across PATCHes that keep it, and gets a new one when turned off and on again', async () => {
    const a = await account('ident-keep');
    const same = (await patchIdentity(a.id, { type: 'SystemAssigned' })).json();
    expect(same.identity.principalId).toBe(a.identity.principalId);
    expect((await patchIdentity(a.id, { type: 'None' })).json().identity.principalId).toBeNull();
    const again = (await patchIdentity(a.id, { type: 'SystemAssigned' })).json();
    expect(again.identity.principalId).toMatch(uuid);
    expect(again.identity.principalId).not.toBe(a.identity.principalId);
  });
});

describe('user-assigned identities', () => {
  it('are made with uami_ ids, client and principal ids, attachable to several accounts', async () => {
    const u = await uami('shared-reader');
    expect(u).toMatchObject({ id: expect.stringMatching(/^uami_[a-z0-9]+$/), automationAccountIds: [] });
    expect(u.clientId).toMatch(uuid);
    expect(u.principalId).toMatch(uuid);
    expect(u.resourceId).toBe(`/managementGroups/${u.tenantId}/userAssignedIdentities/${u.id}`);
    const a = await account('uami-a', { identity: { type: 'UserAssigned', userAssignedIdentities: [u.id] } });
    const b = await account('uami-b', {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [u.id] },
    });
    expect(a.identity).toMatchObject({
      type: 'UserAssigned',
      principalId: null,
      userAssignedIdentities: [{ id: u.id, clientId: u.clientId, principalId: u.principalId }],
    });
    expect(b.identity.type).toBe('SystemAssigned, UserAssigned');
    const shown = (await call('GET', `/api/v1/user-assigned-identities/${u.id}`)).json();
    expect(shown.automationAccountIds.sort()).toEqual([a.id, b.id].sort());
    expect(
      (await call('GET', '/api/v1/user-assigned-identities')).json().items.map((i: { id: string }) => i.id),
    ).toContain(u.id);
  });

  it('refuses a taken name with 409 and a bad one naming body.name', async () => {
    await uami('taken-name');
    const again = await call('POST', '/api/v1/user-assigned-identities', { name: 'taken-name' });
    expect(again.statusCode).toBe(409);
    const bad = await call('POST', '/api/v1/user-assigned-identities', { name: 'a b' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('body.name');
  });

  it('survive the deletion of an account they are attached to; deleting one detaches it from its accounts', async () => {
    const u = await uami('survivor');
    const a = await account('uami-gone', {
      identity: { type: 'UserAssigned', userAssignedIdentities: [u.id] },
    });
    const b = await account('uami-stays', {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [u.id] },
    });
    expect((await call('DELETE', `/api/v1/automation-accounts/${a.id}`)).statusCode).toBe(204);
    expect(
      (await call('GET', `/api/v1/user-assigned-identities/${u.id}`)).json().automationAccountIds,
    ).toEqual([b.id]);
    expect((await call('DELETE', `/api/v1/user-assigned-identities/${u.id}`)).statusCode).toBe(204);
    const after = (await call('GET', `/api/v1/automation-accounts/${b.id}`)).json();
    expect(after.identity).toMatchObject({ type: 'SystemAssigned', userAssignedIdentities: [] });
    expect((await call('GET', `/api/v1/user-assigned-identities/${u.id}`)).statusCode).toBe(404);
  });
});

describe('PATCH identity (R56)', () => {
  async function both(name: string) {
    const u1 = await uami(`${name}-1`);
    const u2 = await uami(`${name}-2`);
    const a = await account(name, {
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [u1.id, u2.id] },
    });
    return { a, u1, u2 };
  }
  const ids = (acc: { identity: { userAssignedIdentities: { id: string }[] } }) =>
    acc.identity.userAssignedIdentities.map((i) => i.id).sort();

  it('SystemAssigned alone drops every user-assigned identity, which still exists', async () => {
    const { a, u1, u2 } = await both('r56-system');
    const res = await patchIdentity(a.id, { type: 'SystemAssigned' });
    expect(res.statusCode).toBe(200);
    expect(res.json().identity).toMatchObject({
      type: 'SystemAssigned',
      principalId: a.identity.principalId,
      userAssignedIdentities: [],
    });
    for (const u of [u1, u2])
      expect((await call('GET', `/api/v1/user-assigned-identities/${u.id}`)).statusCode).toBe(200);
  });

  it('the combined type with the list keeps both', async () => {
    const { a, u1, u2 } = await both('r56-combined');
    const res = (
      await patchIdentity(a.id, {
        type: 'SystemAssigned, UserAssigned',
        userAssignedIdentities: [u1.id, u2.id],
      })
    ).json();
    expect(res.identity.type).toBe('SystemAssigned, UserAssigned');
    expect(res.identity.principalId).toBe(a.identity.principalId);
    expect(ids(res)).toEqual([u1.id, u2.id].sort());
  });

  it('UserAssigned with the list drops only the system identity', async () => {
    const { a, u1, u2 } = await both('r56-user');
    const res = (
      await patchIdentity(a.id, { type: 'UserAssigned', userAssignedIdentities: [u1.id, u2.id] })
    ).json();
    expect(res.identity).toMatchObject({ type: 'UserAssigned', principalId: null, clientId: null });
    expect(ids(res)).toEqual([u1.id, u2.id].sort());
  });

  it('None removes all, deleting no user-assigned identity; the change is audited', async () => {
    const { a, u1 } = await both('r56-none');
    const res = (await patchIdentity(a.id, { type: 'None' })).json();
    expect(res.identity).toMatchObject({ type: 'None', principalId: null, userAssignedIdentities: [] });
    expect((await call('GET', `/api/v1/user-assigned-identities/${u1.id}`)).statusCode).toBe(200);
    const rows = await t.database.query<{ details: { identity: Record<string, unknown> } }>(
      `SELECT details FROM audit_log WHERE kind = 'automation-account.update' AND target = $1`,
      [a.id],
    );
    expect(rows[0]?.details.identity).toMatchObject({ type: 'None', systemIdentity: 'deleted' });
    expect(rows[0]?.details.identity.detached).toHaveLength(2);
  });

  it.each([
    [{ type: 'UserAssigned' }, 'body.identity.userAssignedIdentities'],
    [
      { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [] },
      'body.identity.userAssignedIdentities',
    ],
    [{ type: 'SystemAssigned', userAssignedIdentities: ['uami_x'] }, 'body.identity.userAssignedIdentities'],
    [{ type: 'None', userAssignedIdentities: ['uami_x'] }, 'body.identity.userAssignedIdentities'],
    [
      { type: 'UserAssigned', userAssignedIdentities: ['uami_x', 'uami_x'] },
      'body.identity.userAssignedIdentities',
    ],
    [{ type: 'UserAssigned', userAssignedIdentities: ['acct_1'] }, 'body.identity.userAssignedIdentities[0]'],
    [{ type: 'Systemassigned' }, 'body.identity.type'],
    [{ type: 'None', extra: 1 }, 'body.identity'],
  ])('refuses %j naming %s', async (identity, path) => {
    const a = await account(`r56-bad-${Math.random().toString(36).slice(2, 8)}`);
    const res = await patchIdentity(a.id, identity);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('refuses an identity that does not exist, naming its place in the list, and changes nothing', async () => {
    const { a, u1 } = await both('r56-missing');
    const res = await patchIdentity(a.id, {
      type: 'UserAssigned',
      userAssignedIdentities: [u1.id, 'uami_doesnotexist'],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      {
        path: 'body.identity.userAssignedIdentities[1]',
        message: 'no user-assigned identity uami_doesnotexist',
      },
    ]);
    const after = (await call('GET', `/api/v1/automation-accounts/${a.id}`)).json();
    expect(after.identity).toEqual(a.identity);
  });
});

describe('who may manage identities', () => {
  it('only administrators and authors: the other roles get 403 and change nothing; every role reads', async () => {
    const a = await account('ident-roles');
    const u = await uami('ident-roles-u');
    const author = await t.tokenFor('author');
    expect((await patchIdentity(a.id, { type: 'None' }, author)).statusCode).toBe(200);
    expect(
      (await call('POST', '/api/v1/user-assigned-identities', { name: 'by-author' }, author)).statusCode,
    ).toBe(201);
    for (const role of rolesWithout('automation.manage')) {
      const token = await t.tokenFor(role);
      expect((await patchIdentity(a.id, { type: 'SystemAssigned' }, token)).statusCode, role).toBe(403);
      expect(
        (await call('POST', '/api/v1/user-assigned-identities', { name: `by-${role}` }, token)).statusCode,
      ).toBe(403);
      expect(
        (await call('DELETE', `/api/v1/user-assigned-identities/${u.id}`, undefined, token)).statusCode,
      ).toBe(403);
      expect(
        (await call('GET', `/api/v1/user-assigned-identities/${u.id}`, undefined, token)).statusCode,
      ).toBe(200);
    }
    expect((await call('GET', `/api/v1/automation-accounts/${a.id}`)).json().identity.type).toBe('None');
  });
});
