// Proves class CRUD over HTTP: inheritance, ?base= descendants, validation naming the field, refusals, roles and audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const api = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, body, token });

const auditKinds = async () =>
  (await api('GET', '/api/v1/audit?kind=class.*&limit=1000'))
    .json()
    .items.map((r: { kind: string }) => r.kind);

describe('classes', () => {
  it('creates a class derived from System.Entity by default, with properties and key properties', async () => {
    const res = await api('POST', '/api/v1/classes', {
      id: 'Test.App',
      properties: [{ name: 'appName', type: 'string' }],
      keyProperties: ['appName'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      id: 'Test.App',
      baseClassId: 'System.Entity',
      displayName: 'Test.App',
      abstract: false,
      keyProperties: ['appName'],
      packId: null,
    });
    expect(await auditKinds()).toContain('class.create');
    const got = await api('GET', '/api/v1/classes/Test.App');
    expect(got.statusCode).toBe(200);
    expect(got.json().properties).toEqual([{ name: 'appName', type: 'string' }]);
  });

  it('lists a base class and everything derived from it with ?base=', async () => {
    await api('POST', '/api/v1/classes', { id: 'Test.Web', abstract: true });
    await api('POST', '/api/v1/classes', { id: 'Test.Web.Site', baseClassId: 'Test.Web' });
    await api('POST', '/api/v1/classes', { id: 'Test.Web.Site.Secure', baseClassId: 'Test.Web.Site' });
    const res = await api('GET', '/api/v1/classes?base=Test.Web');
    expect(res.statusCode).toBe(200);
    expect(
      res
        .json()
        .items.map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual(['Test.Web', 'Test.Web.Site', 'Test.Web.Site.Secure']);
    const all = await api('GET', '/api/v1/classes');
    expect(all.json().items.map((c: { id: string }) => c.id)).toContain('System.Computer');
    expect((await api('GET', '/api/v1/classes?base=No.Such')).statusCode).toBe(404);
  });

  it('lets a derived class use inherited properties as keys but not declare them again', async () => {
    const ok = await api('POST', '/api/v1/classes', {
      id: 'Test.App.Web',
      baseClassId: 'Test.App',
      keyProperties: ['appName', 'port'],
      properties: [{ name: 'port', type: 'int' }],
    });
    expect(ok.statusCode).toBe(201);
    const again = await api('POST', '/api/v1/classes', {
      id: 'Test.App.Other',
      baseClassId: 'Test.App',
      properties: [{ name: 'appName', type: 'string' }],
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.issues[0].path).toBe('body.properties[0].name');
  });

  it('names the field of each bad request and creates nothing', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'not a dotted name' }, 'body.id'],
      [{ id: 'Test.Bad1', baseClassId: 'No.Such.Class' }, 'body.baseClassId'],
      [{ id: 'Test.Bad2', keyProperties: ['missing'] }, 'body.keyProperties[0]'],
      [{ id: 'Test.Bad3', properties: [{ name: 'x', type: 'blob' }] }, 'body.properties[0].type'],
      [
        {
          id: 'Test.Bad4',
          properties: [
            { name: 'x', type: 'int' },
            { name: 'x', type: 'int' },
          ],
        },
        'body.properties[1].name',
      ],
      [{ id: 'Test.Bad5', color: 'red' }, 'body'],
    ];
    for (const [body, path] of cases) {
      const res = await api('POST', '/api/v1/classes', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const ids = (await api('GET', '/api/v1/classes')).json().items.map((c: { id: string }) => c.id);
    expect(ids.filter((id: string) => id.startsWith('Test.Bad'))).toEqual([]);
  });

  it('refuses a class id that exists with 409', async () => {
    const res = await api('POST', '/api/v1/classes', { id: 'System.Computer' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.issues[0].path).toBe('body.id');
  });

  it('changes display name, description and abstract, and nothing else', async () => {
    const res = await api('PATCH', '/api/v1/classes/Test.Web.Site.Secure', {
      displayName: 'Secure site',
      description: 'TLS only',
      abstract: true,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ displayName: 'Secure site', description: 'TLS only', abstract: true });
    const bad = await api('PATCH', '/api/v1/classes/Test.Web.Site.Secure', { baseClassId: 'Test.App' });
    expect(bad.statusCode).toBe(400);
    expect((await api('PATCH', '/api/v1/classes/No.Such', { description: 'x' })).statusCode).toBe(404);
  });

  it('refuses to make a class abstract while it has objects, and to delete it', async () => {
    const cmp = (await api('POST', '/api/v1/computers', { name: 'cls-host' })).json();
    const obj = await api('POST', '/api/v1/objects', {
      classId: 'Test.App',
      hostId: cmp.id,
      properties: { appName: 'a' },
    });
    expect(obj.statusCode).toBe(201);
    const abs = await api('PATCH', '/api/v1/classes/Test.App', { abstract: true });
    expect(abs.statusCode).toBe(422);
    expect(abs.json().error.code).toBe('IN_USE');
    const del = await api('DELETE', '/api/v1/classes/Test.App');
    expect(del.statusCode).toBe(422);
    expect((await api('GET', '/api/v1/classes/Test.App')).json().abstract).toBe(false);
  });

  it('refuses to delete a class that has derived classes or is used by a group rule', async () => {
    const del = await api('DELETE', '/api/v1/classes/Test.Web');
    expect(del.statusCode).toBe(422);
    expect(del.json().error.message).toContain('Test.Web.Site');
    await api('POST', '/api/v1/classes', { id: 'Test.Ruled' });
    expect(
      (await api('POST', '/api/v1/groups', { id: 'Test.RuleGroup', rules: [{ classId: 'Test.Ruled' }] }))
        .statusCode,
    ).toBe(201);
    const used = await api('DELETE', '/api/v1/classes/Test.Ruled');
    expect(used.statusCode).toBe(422);
    expect(used.json().error.message).toContain('Test.RuleGroup');
  });

  it('refuses to change or delete a class that belongs to a management pack', async () => {
    await t.database.query(
      `INSERT INTO packs (id, version, sealed, display_name, format, source, imported_by)
       VALUES ('Test.Pack', '1.0.0', true, 'Test pack', 'yaml', '', 'test')`,
    );
    await t.database.query(
      `INSERT INTO classes (id, pack_id, base_class_id, display_name) VALUES ('Test.Packed', 'Test.Pack', 'System.Entity', 'P')`,
    );
    expect((await api('DELETE', '/api/v1/classes/Test.Packed')).statusCode).toBe(422);
    expect((await api('PATCH', '/api/v1/classes/Test.Packed', { description: 'x' })).statusCode).toBe(422);
  });

  it('deletes an unused class, audited', async () => {
    await api('POST', '/api/v1/classes', { id: 'Test.Temporary' });
    const res = await api('DELETE', '/api/v1/classes/Test.Temporary');
    expect(res.statusCode).toBe(204);
    expect((await api('GET', '/api/v1/classes/Test.Temporary')).statusCode).toBe(404);
    expect(await auditKinds()).toContain('class.delete');
  });

  it('lets every role read classes but only administrators write them; no token is 401', async () => {
    for (const role of rolesWithout('inventory.write')) {
      const token = await t.tokenFor(role);
      expect((await api('GET', '/api/v1/classes', undefined, token)).statusCode).toBe(200);
      expect(
        (await api('POST', '/api/v1/classes', { id: `Test.By.${role.replace(/-/g, '_')}` }, token))
          .statusCode,
      ).toBe(403);
      expect((await api('PATCH', '/api/v1/classes/Test.App', { description: 'x' }, token)).statusCode).toBe(
        403,
      );
      expect((await api('DELETE', '/api/v1/classes/Test.Web.Site.Secure', undefined, token)).statusCode).toBe(
        403,
      );
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/classes' })).statusCode).toBe(401);
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/classes', body: { id: 'Test.X' } })).statusCode,
    ).toBe(401);
  });

  it('documents every inventory route in the OpenAPI document', async () => {
    const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/api/v1/classes/{id}',
      '/api/v1/objects/{id}',
      '/api/v1/computers/{id}',
      '/api/v1/pools/{id}',
      '/api/v1/groups/{id}/members',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
