// Proves Run As profiles made by an administrator (SCOM's Create Run As Profile): in an unsealed pack the user
// chooses, never a sealed one; kept when the pack is imported again; deleted under the association rules;
// audited; refused to the roles without accounts.manage; every refusal names the field and changes nothing.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltInPacks } from '../../src/server/modules/packs/built-in-packs.js';
import { auditLog, profiles } from '../../src/store/schema.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const NIL = 'Microsoft.SystemCenter.Notifications.Internal';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function call(method: string, url: string, body?: unknown, token = t.adminToken) {
  const res = await t.request({ method, url, token, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
const count = async (table: typeof profiles | typeof auditLog) =>
  Number((await t.database.db.select({ n: sql<number>`count(*)` }).from(table))[0]!.n);
const snapshot = async () => [await count(profiles), await count(auditLog)];

describe('Run As profiles made by an administrator', () => {
  it('ships Notifications Internal Library as a built-in unsealed pack', async () => {
    const r = await call('GET', `/api/v1/packs/${NIL}`);
    expect(r.body).toMatchObject({
      displayName: 'Notifications Internal Library',
      sealed: false,
      builtIn: true,
    });
  });

  it('creates a profile in it, audited, with an id made from the display name', async () => {
    const r = await call('POST', '/api/v1/profiles', {
      displayName: 'External Mail Account',
      description: 'Signs in to the external mail service.',
      packId: NIL,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: `${NIL}.ExternalMailAccount`,
      packId: NIL,
      displayName: 'External Mail Account',
      contextClassId: 'System.Entity',
      createdBy: expect.stringContaining('admin'),
      workflows: [],
      uses: [],
    });
    const audit = await call('GET', '/api/v1/audit?kind=profile.create&limit=10');
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ kind: 'profile.create', target: `${NIL}.ExternalMailAccount` }),
    );
    const listed = (await call('GET', `/api/v1/profiles?packId=${NIL}`)).body.items;
    expect(listed.map((p: { id: string }) => p.id)).toEqual([`${NIL}.ExternalMailAccount`]);
  });

  it('keeps the profile when the built-in pack is imported again at the next start', async () => {
    const outcomes = await ensureBuiltInPacks(t.database.db);
    expect(outcomes[NIL]).toBe('unchanged');
    expect((await call('GET', `/api/v1/profiles/${NIL}.ExternalMailAccount`)).status).toBe(200);
  });

  it('refuses a sealed pack, an unknown pack or class, a bad or taken id, naming the field, changing nothing', async () => {
    const before = await snapshot();
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ displayName: 'X', packId: 'Steward.Library' }, 422, 'body.packId', /sealed/],
      [{ displayName: 'X', packId: 'System.Library' }, 422, 'body.packId', /sealed/],
      [{ displayName: 'X', packId: 'No.Such.Pack' }, 400, 'body.packId', /no pack/],
      [
        { displayName: 'X', packId: NIL, contextClassId: 'No.Such.Class' },
        400,
        'body.contextClassId',
        /no class/,
      ],
      [{ displayName: 'X', packId: NIL, id: 'not an id!' }, 400, 'body.id', /dotted identifier/],
      [{ displayName: 'External Mail Account', packId: NIL }, 409, 'body.displayName', /already taken/],
      [{ displayName: 'X', packId: NIL, id: 'System.Computer' }, 409, 'body.id', /already taken/],
      [{ displayName: 'bad\u0000name', packId: NIL }, 400, 'body.displayName', /NUL/],
    ];
    for (const [body, status, path, message] of cases) {
      const r = await call('POST', '/api/v1/profiles', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error.issues, JSON.stringify(body)).toContainEqual({
        path,
        message: expect.stringMatching(message),
      });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('creates a profile in an unsealed pack the user imported; deleting that pack removes it', async () => {
    const pack = {
      id: 'Contoso.Overrides',
      version: '1.0.0',
      references: [{ id: 'Steward.Library', minVersion: '2.0.0' }],
    };
    expect((await call('POST', '/api/v1/packs', { content: JSON.stringify(pack) })).status).toBe(201);
    const r = await call('POST', '/api/v1/profiles', {
      displayName: 'Backup Operator',
      packId: 'Contoso.Overrides',
      id: 'Contoso.Overrides.Backup',
    });
    expect(r.status).toBe(201);
    // A new version of the pack does not remove what was made by hand.
    const v2 = { ...pack, version: '1.1.0', description: 'overrides' };
    expect((await call('POST', '/api/v1/packs', { content: JSON.stringify(v2) })).body.outcome).toBe(
      'upgraded',
    );
    expect((await call('GET', '/api/v1/profiles/Contoso.Overrides.Backup')).status).toBe(200);
    const del = await call('DELETE', '/api/v1/packs/Contoso.Overrides');
    expect(del.status).toBe(200);
    expect(del.body.removed.profiles).toBe(0);
    expect((await call('GET', '/api/v1/profiles/Contoso.Overrides.Backup')).status).toBe(404);
  });

  it('deletes under the association rules: refused while associated, cascade removes the associations', async () => {
    const id = `${NIL}.Pager`;
    expect((await call('POST', '/api/v1/profiles', { displayName: 'Pager', packId: NIL })).status).toBe(201);
    const account = await call('POST', '/api/v1/accounts', {
      name: 'pager-login',
      credential: { type: 'simple', userName: 'pager@contoso.test', password: 'pager-secret-pw' },
    });
    const assoc = await call('POST', `/api/v1/profiles/${id}/associations`, {
      accountId: account.body.id,
      scope: { kind: 'class', classId: 'Steward.AlertNotificationSubscriptionServer' },
    });
    expect(assoc.status).toBe(201);
    const before = await snapshot();
    const refused = await call('DELETE', `/api/v1/profiles/${id}`);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('IN_USE');
    expect(refused.body.error.message).toContain('1 account association(s) (delete with cascade');
    expect(await snapshot()).toEqual(before);

    // A pack-declared profile goes with its pack.
    const declared = await call('DELETE', '/api/v1/profiles/Steward.NotificationAccount');
    expect(declared.status).toBe(422);
    expect(declared.body.error.message).toContain("declared by pack 'Steward.Library'");

    const done = await call('DELETE', `/api/v1/profiles/${id}?cascade=true`);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ id, associationsRemoved: [assoc.body.id] });
    for (const kind of ['association.delete', 'profile.delete']) {
      const audit = (await call('GET', `/api/v1/audit?kind=${kind}&limit=1000`)).body.items;
      expect(audit.map((a: { target: string }) => a.target)).toContain(
        kind === 'profile.delete' ? id : assoc.body.id,
      );
    }
    expect((await call('GET', `/api/v1/profiles/${id}`)).status).toBe(404);
  });

  it('refuses deleting a profile a notification channel signs in with, naming the channel, changing nothing', async () => {
    const id = `${NIL}.RelayLogin`;
    expect((await call('POST', '/api/v1/profiles', { displayName: 'Relay Login', packId: NIL })).status).toBe(
      201,
    );
    const channel = await call('POST', '/api/v1/notification-channels', {
      name: 'External relay',
      kind: 'email',
      profileId: id,
      settings: { servers: [{ host: 'smtp.contoso.test' }], from: 'scom@contoso.test' },
    });
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    expect(channel.body.profileId).toBe(id);
    const before = await snapshot();
    for (const url of [`/api/v1/profiles/${id}`, `/api/v1/profiles/${id}?cascade=true`]) {
      const refused = await call('DELETE', url);
      expect(refused.status, url).toBe(422);
      expect(refused.body.error.code).toBe('IN_USE');
      expect(refused.body.error.message).toContain(
        `notification channel 'External relay' (${channel.body.id}) signs in with it`,
      );
    }
    expect(await snapshot()).toEqual(before);
    expect((await call('GET', `/api/v1/notification-channels/${channel.body.id}`)).body.profileId).toBe(id);

    // Once the channel no longer uses it, the profile deletes.
    expect((await call('DELETE', `/api/v1/notification-channels/${channel.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/profiles/${id}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/profiles/${id}`)).status).toBe(404);
  });

  it('refuses creating and deleting to every role without accounts.manage', async () => {
    const before = await snapshot();
    for (const role of ['author', 'advanced-operator', 'operator', 'read-only-operator'] as const) {
      const token = await t.tokenFor(role);
      const c = await call('POST', '/api/v1/profiles', { displayName: `By ${role}`, packId: NIL }, token);
      expect(c.status, role).toBe(403);
      const d = await call('DELETE', `/api/v1/profiles/${NIL}.ExternalMailAccount`, undefined, token);
      expect(d.status, role).toBe(403);
    }
    expect((await snapshot())[0]).toBe(before[0]);
  });
});
