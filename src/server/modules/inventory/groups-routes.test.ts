// Proves groups over HTTP: containment through hosting (R19), dynamic rules with subclasses, nesting without cycles, roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
const ids: Record<string, string> = {};

const api = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, body, token });

async function create(url: string, body: unknown): Promise<string> {
  const res = await api('POST', url, body);
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`);
  return res.json().id;
}

type Member = { objectId: string; via: string; through: string | null; classId: string; displayName: string };
const members = async (groupId: string): Promise<Record<string, [string, string | null]>> => {
  const res = await api('GET', `/api/v1/groups/${groupId}/members`);
  expect(res.statusCode).toBe(200);
  return Object.fromEntries(res.json().items.map((m: Member) => [m.objectId, [m.via, m.through]]));
};

const auditCount = async () => (await api('GET', '/api/v1/audit?limit=1000')).json().items.length as number;

beforeAll(async () => {
  t = await createTestApp();
  await create('/api/v1/classes', { id: 'Test.Windows.Computer', baseClassId: 'System.Computer' });
  await create('/api/v1/classes', {
    id: 'Test.SQL.Instance',
    keyProperties: ['instanceName'],
    properties: [
      { name: 'instanceName', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'port', type: 'int' },
    ],
  });
  await create('/api/v1/classes', { id: 'Test.SQL.Instance.Clustered', baseClassId: 'Test.SQL.Instance' });
  await create('/api/v1/classes', {
    id: 'Test.SQL.Database',
    keyProperties: ['dbName'],
    properties: [{ name: 'dbName', type: 'string' }],
  });
  ids.abc = await create('/api/v1/computers', { name: 'ABC', classId: 'Test.Windows.Computer' });
  ids.def = await create('/api/v1/computers', { name: 'DEF', classId: 'Test.Windows.Computer' });
  ids.sqlAbc = await create('/api/v1/objects', {
    classId: 'Test.SQL.Instance',
    hostId: ids.abc,
    properties: { instanceName: 'MSSQLSERVER', version: '15.0.4', port: 1433 },
  });
  ids.dbAbc = await create('/api/v1/objects', {
    classId: 'Test.SQL.Database',
    hostId: ids.sqlAbc,
    properties: { dbName: 'payroll' },
  });
  ids.sqlDef = await create('/api/v1/objects', {
    classId: 'Test.SQL.Instance.Clustered',
    hostId: ids.def,
    properties: { instanceName: 'CLUSTER1', version: '16.0.1', port: 2433 },
  });
  ids.dbDef = await create('/api/v1/objects', {
    classId: 'Test.SQL.Database',
    hostId: ids.sqlDef,
    properties: { dbName: 'sales' },
  });
});
afterAll(() => t.close());

describe('group containment', () => {
  it('contains everything hosted on a contained computer: the SQL instance on ABC and the database on it (R19)', async () => {
    const res = await api('POST', '/api/v1/groups', {
      id: 'Test.Servers.ABC',
      displayName: 'ABC and all it hosts',
      members: [ids.abc],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      id: 'Test.Servers.ABC',
      members: [ids.abc],
      rules: [],
      subgroups: [],
    });
    expect(await members('Test.Servers.ABC')).toEqual({
      [ids.abc!]: ['explicit', null],
      [ids.sqlAbc!]: ['hosted-by', ids.abc],
      [ids.dbAbc!]: ['hosted-by', ids.abc],
    });
  });

  it('follows the inventory: an object added under a contained host is contained at once', async () => {
    const log = await create('/api/v1/objects', {
      classId: 'Test.SQL.Database',
      hostId: ids.sqlAbc,
      properties: { dbName: 'logs' },
    });
    expect((await members('Test.Servers.ABC'))[log]).toEqual(['hosted-by', ids.abc]);
    await api('DELETE', `/api/v1/objects/${log}`);
    expect((await members('Test.Servers.ABC'))[log]).toBeUndefined();
  });

  it('matches dynamic rules over a class and its subclasses with property conditions', async () => {
    const res = await api('POST', '/api/v1/groups', {
      id: 'Test.SQL.V16',
      rules: [
        { classId: 'Test.SQL.Instance', conditions: [{ property: 'version', op: 'like', value: '16.*' }] },
      ],
    });
    expect(res.statusCode).toBe(201);
    expect(await members('Test.SQL.V16')).toEqual({
      [ids.sqlDef!]: ['rule', null],
      [ids.dbDef!]: ['hosted-by', ids.sqlDef],
    });
    const ops = [
      [{ property: 'port', op: 'gt', value: 2000 }, [ids.sqlDef]],
      [{ property: 'port', op: 'lt', value: 2000 }, [ids.sqlAbc]],
      [{ property: 'instanceName', op: 'eq', value: 'mssqlserver' }, [ids.sqlAbc]],
      [{ property: 'instanceName', op: 'ne', value: 'MSSQLSERVER' }, [ids.sqlDef]],
      [{ property: 'port', op: 'exists' }, [ids.sqlAbc, ids.sqlDef]],
    ] as const;
    for (const [i, [condition, expected]] of ops.entries()) {
      await create('/api/v1/groups', {
        id: `Test.Op${i}`,
        rules: [{ classId: 'Test.SQL.Instance', conditions: [condition] }],
      });
      const got = Object.entries(await members(`Test.Op${i}`))
        .filter(([, [via]]) => via === 'rule')
        .map(([id]) => id);
      expect(got.sort(), JSON.stringify(condition)).toEqual([...expected].sort());
    }
    const clusteredOnly = await api('POST', '/api/v1/groups', {
      id: 'Test.SQL.Clustered',
      rules: [{ classId: 'Test.SQL.Instance.Clustered' }],
    });
    expect(clusteredOnly.json().rules).toEqual([{ classId: 'Test.SQL.Instance.Clustered', conditions: [] }]);
    expect(Object.keys(await members('Test.SQL.Clustered')).sort()).toEqual([ids.dbDef, ids.sqlDef].sort());
  });

  it('includes nested groups, naming the subgroup each member came through', async () => {
    await create('/api/v1/groups', { id: 'Test.Mid', subgroups: ['Test.SQL.V16'] });
    const res = await api('POST', '/api/v1/groups', {
      id: 'Test.All',
      subgroups: ['Test.Servers.ABC', 'Test.Mid'],
    });
    expect(res.statusCode).toBe(201);
    expect(await members('Test.All')).toEqual({
      [ids.abc!]: ['subgroup', 'Test.Servers.ABC'],
      [ids.sqlDef!]: ['subgroup', 'Test.Mid'],
      [ids.sqlAbc!]: ['hosted-by', ids.abc],
      [ids.dbAbc!]: ['hosted-by', ids.abc],
      [ids.dbDef!]: ['hosted-by', ids.sqlDef],
    });
  });

  it('lets an object be in several groups', async () => {
    const abc = await members('Test.Servers.ABC');
    const all = await members('Test.All');
    expect(abc[ids.dbAbc!]).toBeDefined();
    expect(all[ids.dbAbc!]).toBeDefined();
  });
});

describe('group changes', () => {
  it('refuses a change that would make a nesting cycle with 422, and changes nothing', async () => {
    const before = await auditCount();
    const res = await api('PATCH', '/api/v1/groups/Test.SQL.V16', {
      subgroups: ['Test.All'],
      displayName: 'changed',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('Test.SQL.V16 → Test.All → Test.Mid → Test.SQL.V16');
    const self = await api('POST', '/api/v1/groups', { id: 'Test.Self', subgroups: ['Test.Self'] });
    expect(self.statusCode).toBe(422);
    expect((await api('GET', '/api/v1/groups/Test.Self')).statusCode).toBe(404);
    const g = (await api('GET', '/api/v1/groups/Test.SQL.V16')).json();
    expect(g).toMatchObject({ subgroups: [], displayName: 'Test.SQL.V16' });
    expect(await auditCount()).toBe(before);
  });

  it('names the field of a bad group and creates nothing', async () => {
    const before = await auditCount();
    const cases: [unknown, string][] = [
      [{ id: 'Test.Bad', members: [ids.abc, 'obj_nope'] }, 'body.members[1]'],
      [{ id: 'Test.Bad', rules: [{ classId: 'No.Such' }] }, 'body.rules[0].classId'],
      [
        {
          id: 'Test.Bad',
          rules: [{ classId: 'Test.SQL.Database', conditions: [{ property: 'port', op: 'exists' }] }],
        },
        'body.rules[0].conditions[0].property',
      ],
      [
        {
          id: 'Test.Bad',
          rules: [{ classId: 'Test.SQL.Instance', conditions: [{ property: 'port', op: 'near', value: 1 }] }],
        },
        'body.rules[0].conditions[0].op',
      ],
      [{ id: 'Test.Bad', subgroups: ['Test.All', 'No.Such.Group'] }, 'body.subgroups[1]'],
      [{ id: 'bad id!' }, 'body.id'],
    ];
    for (const [body, path] of cases) {
      const res = await api('POST', '/api/v1/groups', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await api('GET', '/api/v1/groups/Test.Bad')).statusCode).toBe(404);
    expect(await auditCount()).toBe(before);
  });

  it('refuses a group id that exists with 409', async () => {
    const res = await api('POST', '/api/v1/groups', { id: 'Test.All' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.issues[0].path).toBe('body.id');
  });

  it('replaces the lists given in a change, keeps the others, and audits it', async () => {
    const res = await api('PATCH', '/api/v1/groups/Test.Servers.ABC', {
      members: [ids.def, ids.abc],
      description: 'two computers',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      members: [ids.abc, ids.def].sort(),
      description: 'two computers',
      displayName: 'ABC and all it hosts',
    });
    expect(Object.keys(await members('Test.Servers.ABC'))).toHaveLength(6);
    const audit = (await api('GET', '/api/v1/audit?kind=group.update')).json().items.at(-1);
    expect(audit.target).toBe('Test.Servers.ABC');
    expect((await api('PATCH', '/api/v1/groups/No.Such', { description: 'x' })).statusCode).toBe(404);
    expect((await api('PATCH', '/api/v1/groups/Test.All', {})).statusCode).toBe(400);
  });

  it('drops an explicit member when its object is deleted', async () => {
    const extra = await create('/api/v1/computers', { name: 'GONE' });
    await api('PATCH', '/api/v1/groups/Test.Mid', { members: [extra] });
    expect((await api('DELETE', `/api/v1/computers/${extra}`)).statusCode).toBe(200);
    expect((await api('GET', '/api/v1/groups/Test.Mid')).json().members).toEqual([]);
  });

  it('refuses to delete a group another group nests, then deletes it once free', async () => {
    const nested = await api('DELETE', '/api/v1/groups/Test.Mid');
    expect(nested.statusCode).toBe(422);
    expect(nested.json().error.message).toContain('Test.All');
    expect((await api('DELETE', '/api/v1/groups/Test.All')).statusCode).toBe(204);
    expect((await api('DELETE', '/api/v1/groups/Test.Mid')).statusCode).toBe(204);
    expect((await api('GET', '/api/v1/groups/Test.Mid')).statusCode).toBe(404);
    expect((await api('GET', '/api/v1/groups/Test.Mid/members')).statusCode).toBe(404);
    expect((await api('GET', '/api/v1/audit?kind=group.delete')).json().items.length).toBe(2);
  });

  it('refuses to change or delete a group that belongs to a management pack', async () => {
    await t.database.query(
      `INSERT INTO packs (id, version, sealed, display_name, format, source, imported_by)
       VALUES ('Test.Pack', '1.0.0', true, 'Test pack', 'yaml', '', 'test')`,
    );
    await t.database.query(
      `INSERT INTO groups (id, pack_id, display_name) VALUES ('Test.Packed', 'Test.Pack', 'P')`,
    );
    expect((await api('PATCH', '/api/v1/groups/Test.Packed', { description: 'x' })).statusCode).toBe(422);
    expect((await api('DELETE', '/api/v1/groups/Test.Packed')).statusCode).toBe(422);
    expect((await api('GET', '/api/v1/groups')).json().items.map((g: { id: string }) => g.id)).toContain(
      'Test.Packed',
    );
  });
});

describe('authorization', () => {
  it('lets an Author create, change and delete groups', async () => {
    const author = await t.tokenFor('author');
    expect(
      (await api('POST', '/api/v1/groups', { id: 'Test.ByAuthor', members: [ids.abc] }, author)).statusCode,
    ).toBe(201);
    expect(
      (await api('PATCH', '/api/v1/groups/Test.ByAuthor', { description: 'mine' }, author)).statusCode,
    ).toBe(200);
    expect((await api('DELETE', '/api/v1/groups/Test.ByAuthor', undefined, author)).statusCode).toBe(204);
  });

  it('refuses group writes to operators of every kind, but lets them read', async () => {
    const refused = rolesWithout('groups.write');
    expect(refused.sort()).toEqual(['advanced-operator', 'operator', 'read-only-operator']);
    for (const role of refused) {
      const token = await t.tokenFor(role);
      expect((await api('GET', '/api/v1/groups', undefined, token)).statusCode).toBe(200);
      expect((await api('GET', '/api/v1/groups/Test.Servers.ABC', undefined, token)).statusCode).toBe(200);
      expect((await api('GET', '/api/v1/groups/Test.Servers.ABC/members', undefined, token)).statusCode).toBe(
        200,
      );
      expect((await api('POST', '/api/v1/groups', { id: 'Test.ByOperator' }, token)).statusCode).toBe(403);
      expect(
        (await api('PATCH', '/api/v1/groups/Test.Servers.ABC', { description: 'x' }, token)).statusCode,
      ).toBe(403);
      expect((await api('DELETE', '/api/v1/groups/Test.SQL.V16', undefined, token)).statusCode).toBe(403);
    }
    expect((await api('GET', '/api/v1/groups/Test.ByOperator')).statusCode).toBe(404);
  });

  it('refuses every group route without a token with 401', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/groups', undefined],
      ['POST', '/api/v1/groups', { id: 'Test.Anon' }],
      ['GET', '/api/v1/groups/Test.SQL.V16', undefined],
      ['GET', '/api/v1/groups/Test.SQL.V16/members', undefined],
      ['PATCH', '/api/v1/groups/Test.SQL.V16', { description: 'anon' }],
      ['DELETE', '/api/v1/groups/Test.SQL.V16', undefined],
    ] as const) {
      expect((await t.request({ method, url, body })).statusCode, `${method} ${url}`).toBe(401);
    }
    expect((await api('GET', '/api/v1/groups/Test.SQL.V16')).statusCode).toBe(200);
  });
});
