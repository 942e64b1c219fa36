// Proves objects and computers over HTTP: hosting chains, filters and paging, cascade deletion, validation, roles and audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
let abc: string;
let sql: string;
let db: string;
let actionAccount: string;

const api = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, body, token });

const auditCount = async () => (await api('GET', '/api/v1/audit?limit=1000')).json().items.length as number;

beforeAll(async () => {
  t = await createTestApp();
  actionAccount = (
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { authorization: `Bearer ${t.adminToken}` },
      payload: {
        name: 'computer-action',
        credential: { type: 'action', userName: 'svc', password: 'action-secret' },
      },
    })
  ).json().id;
  const classes = [
    {
      id: 'Test.Windows.Computer',
      baseClassId: 'System.Computer',
      properties: [{ name: 'osVersion', type: 'string' }],
    },
    {
      id: 'Test.SQL.Instance',
      hosted: true,
      keyProperties: ['instanceName'],
      properties: [
        { name: 'instanceName', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'port', type: 'int' },
      ],
    },
    {
      id: 'Test.SQL.Database',
      hosted: true,
      keyProperties: ['dbName'],
      properties: [{ name: 'dbName', type: 'string' }],
    },
    { id: 'Test.Abstract', abstract: true },
    { id: 'Test.Plain' },
  ];
  for (const c of classes) {
    const res = await api('POST', '/api/v1/classes', c);
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  abc = (
    await api('POST', '/api/v1/computers', {
      name: 'ABC.contoso.com',
      classId: 'Test.Windows.Computer',
      properties: { osVersion: '10.0' },
    })
  ).json().id;
  sql = (
    await api('POST', '/api/v1/objects', {
      classId: 'Test.SQL.Instance',
      hostId: abc,
      properties: { instanceName: 'MSSQLSERVER', version: '16.0', port: 1433 },
    })
  ).json().id;
  db = (
    await api('POST', '/api/v1/objects', {
      classId: 'Test.SQL.Database',
      hostId: sql,
      displayName: 'Payroll DB',
      properties: { dbName: 'payroll' },
    })
  ).json().id;
});
afterAll(() => t.close());

describe('computers', () => {
  it('registers a computer with an object id of its own and no agent, audited', async () => {
    const res = await api('POST', '/api/v1/computers', {
      name: 'web01',
      defaultActionAccountId: actionAccount,
    });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({
      name: 'web01',
      displayName: 'web01',
      classId: 'System.Computer',
      defaultActionAccountId: actionAccount,
    });
    expect(c.id).toMatch(/^cmp_/);
    const asObject = await api('GET', `/api/v1/objects/${c.id}`);
    expect(asObject.json()).toMatchObject({
      hostId: null,
      hostChain: [],
      topHost: c.id,
      topHostKind: 'computer',
    });
    const audit = (await api('GET', '/api/v1/audit?kind=computer.create')).json().items;
    expect(audit.some((r: { target: string }) => r.target === c.id)).toBe(true);
  });

  it('refuses a second computer with the same name in any case, with 409 on body.name', async () => {
    const res = await api('POST', '/api/v1/computers', { name: 'abc.CONTOSO.com' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.issues[0].path).toBe('body.name');
  });

  it('names the field of a bad computer and registers nothing', async () => {
    const before = (await api('GET', '/api/v1/computers')).json().items.length;
    const cases: [unknown, string][] = [
      [{ name: 'bad name!' }, 'body.name'],
      [{ name: 'x1', defaultActionAccountId: 'secret-password' }, 'body.defaultActionAccountId'],
      [{ name: 'x2', classId: 'Test.SQL.Instance' }, 'body.classId'],
      [
        { name: 'x3', classId: 'Test.Windows.Computer', properties: { osVersion: 10 } },
        'body.properties.osVersion',
      ],
      [
        { name: 'x4', classId: 'Test.Windows.Computer', properties: { color: 'red' } },
        'body.properties.color',
      ],
    ];
    for (const [body, path] of cases) {
      const res = await api('POST', '/api/v1/computers', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await api('GET', '/api/v1/computers')).json().items.length).toBe(before);
  });

  it('changes the default action account and display name, and clears the account with null', async () => {
    const res = await api('PATCH', `/api/v1/computers/${abc}`, {
      displayName: 'ABC',
      defaultActionAccountId: actionAccount,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ displayName: 'ABC', defaultActionAccountId: actionAccount });
    const cleared = await api('PATCH', `/api/v1/computers/${abc}`, { defaultActionAccountId: null });
    expect(cleared.json().defaultActionAccountId).toBeNull();
    expect((await api('PATCH', `/api/v1/computers/${abc}`, { name: 'renamed' })).statusCode).toBe(400);
    expect((await api('PATCH', '/api/v1/computers/cmp_nope', { displayName: 'x' })).statusCode).toBe(404);
  });

  it('R7: takes only an existing action or Windows account as the default action account', async () => {
    const missing = await api('PATCH', `/api/v1/computers/${abc}`, {
      defaultActionAccountId: 'acct_nosuchaccount',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.issues[0].path).toBe('body.defaultActionAccountId');
    const basic = (
      await api('POST', '/api/v1/accounts', {
        name: 'basic-daa',
        credential: { type: 'basic', userName: 'u', password: 'p' },
      })
    ).json().id;
    const wrongType = await api('PATCH', `/api/v1/computers/${abc}`, { defaultActionAccountId: basic });
    expect(wrongType.statusCode).toBe(422);
    expect((await api('GET', `/api/v1/computers/${abc}`)).json().defaultActionAccountId).not.toBe(basic);
  });

  it('pages computers by id', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await api('POST', '/api/v1/computers', { name: n });
    const first = (await api('GET', '/api/v1/computers?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await api('GET', `/api/v1/computers?limit=1000&afterId=${first.nextAfterId}`)).json();
    expect(second.nextAfterId).toBeNull();
    const ids = [...first.items, ...second.items].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(abc);
  });
});

describe('objects', () => {
  it('shows an object with its hosting chain from the top down and its top host', async () => {
    const res = await api('GET', `/api/v1/objects/${db}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: db,
      classId: 'Test.SQL.Database',
      name: 'payroll',
      displayName: 'Payroll DB',
      hostId: sql,
      hostChain: [abc, sql],
      topHost: abc,
      topHostKind: 'computer',
    });
    expect(db).toMatch(/^obj_/);
  });

  it('lists by class with derived classes, by direct host, and by computer through the chain', async () => {
    const ids = async (q: string) =>
      (await api('GET', `/api/v1/objects?${q}`)).json().items.map((o: { id: string }) => o.id);
    expect(await ids('class=System.Computer')).toContain(abc);
    expect(await ids('class=Test.SQL.Instance')).toEqual([sql]);
    expect(await ids(`host=${abc}`)).toEqual([sql]);
    expect((await ids(`computer=${abc}`)).sort()).toEqual([db, sql].sort());
    expect(await ids(`computer=${abc}&class=Test.SQL.Database`)).toEqual([db]);
    expect((await api('GET', '/api/v1/objects?class=No.Such')).statusCode).toBe(404);
    expect((await api('GET', `/api/v1/objects?computer=${sql}`)).statusCode).toBe(400);
    expect((await api('GET', '/api/v1/objects?limit=0')).statusCode).toBe(400);
  });

  it('searches names and display names ignoring case, treating % and _ as text, and pages the matches', async () => {
    const names = async (q: string) =>
      (await api('GET', `/api/v1/objects?${q}`)).json().items.map((o: { name: string }) => o.name);
    const all = (await api('GET', '/api/v1/objects?limit=1000')).json().items as {
      id: string;
      name: string;
      displayName: string;
    }[];
    const target = all.find((o) => o.id === abc) ?? all[0]!;
    const needle = target.name.slice(1, 4).toUpperCase();
    const hits = await names(`search=${encodeURIComponent(needle)}&limit=1000`);
    const expected = all.filter((o) =>
      `${o.name}\n${o.displayName}`.toLowerCase().includes(needle.toLowerCase()),
    );
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.sort()).toEqual(expected.map((o) => o.name).sort());
    expect(await names('search=%25')).toEqual([]);
    expect(await names('search=_')).toEqual([]);
    const paged: string[] = [];
    let after = '';
    for (let i = 0; i <= expected.length; i++) {
      const q = `search=${encodeURIComponent(needle)}&limit=1${after ? `&afterId=${after}` : ''}`;
      const page = (await api('GET', `/api/v1/objects?${q}`)).json();
      paged.push(...page.items.map((o: { name: string }) => o.name));
      if (!page.nextAfterId) break;
      after = page.nextAfterId;
    }
    expect(paged.sort()).toEqual(hits);
    for (const bad of ['a%00b', '%ED%A0%80', 'x'.repeat(201), '']) {
      const res = await api('GET', `/api/v1/objects?search=${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain('querystring.search');
    }
  });

  it('pages objects by id without repeating or skipping', async () => {
    const all = (await api('GET', '/api/v1/objects?limit=1000'))
      .json()
      .items.map((o: { id: string }) => o.id);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { items: { id: string }[]; nextAfterId: string | null } = (
        await api('GET', `/api/v1/objects?limit=2${after ? `&afterId=${after}` : ''}`)
      ).json();
      seen.push(...page.items.map((o: { id: string }) => o.id));
      after = page.nextAfterId;
    } while (after);
    expect(seen).toEqual(all);
  });

  it('names the field of a bad object and creates nothing', async () => {
    const before = await auditCount();
    const cases: [unknown, string, number][] = [
      [
        { classId: 'Test.SQL.Instance', hostId: 'obj_nowhere', properties: { instanceName: 'X' } },
        'body.hostId',
        400,
      ],
      [{ classId: 'No.Such', hostId: abc }, 'body.classId', 400],
      [{ classId: 'Test.Abstract', hostId: abc, name: 'a' }, 'body.classId', 400],
      [{ classId: 'System.Computer', hostId: abc, name: 'a' }, 'body.classId', 400],
      [{ classId: 'Test.SQL.Instance', hostId: abc, properties: {} }, 'body.properties.instanceName', 400],
      [
        { classId: 'Test.SQL.Instance', hostId: abc, properties: { instanceName: 'B', port: 'x' } },
        'body.properties.port',
        400,
      ],
      [{ classId: 'Test.Plain', hostId: abc }, 'body.name', 400],
      [
        { classId: 'Test.SQL.Instance', hostId: abc, properties: { instanceName: 'MSSQLSERVER' } },
        'body.name',
        409,
      ],
      [{ hostId: abc, name: 'n' }, 'body.classId', 400],
    ];
    for (const [body, path, status] of cases) {
      const res = await api('POST', '/api/v1/objects', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await api('GET', `/api/v1/objects?computer=${abc}`)).json().items).toHaveLength(2);
    expect(await auditCount()).toBe(before);
  });

  it('hosts an object on a pool, whose chain ends at the pool', async () => {
    const res = await api('POST', '/api/v1/objects', {
      classId: 'Test.Plain',
      hostId: 'pool_all-management-servers',
      name: 'url-check',
    });
    expect(res.statusCode).toBe(201);
    const got = (await api('GET', `/api/v1/objects/${res.json().id}`)).json();
    expect(got).toMatchObject({ topHost: 'pool_all-management-servers', topHostKind: 'pool' });
  });

  it('changes display name and properties but never a key property value', async () => {
    const ok = await api('PATCH', `/api/v1/objects/${sql}`, {
      displayName: 'SQL on ABC',
      properties: { instanceName: 'MSSQLSERVER', version: '16.1', port: 1434 },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      displayName: 'SQL on ABC',
      properties: { version: '16.1', port: 1434 },
    });
    const key = await api('PATCH', `/api/v1/objects/${sql}`, { properties: { instanceName: 'OTHER' } });
    expect(key.statusCode).toBe(422);
    expect(key.json().error.issues[0].path).toBe('body.properties.instanceName');
    const typed = await api('PATCH', `/api/v1/objects/${sql}`, {
      properties: { instanceName: 'MSSQLSERVER', port: 'x' },
    });
    expect(typed.statusCode).toBe(400);
    expect((await api('GET', `/api/v1/objects/${sql}`)).json().properties.port).toBe(1434);
    expect((await api('PATCH', '/api/v1/objects/obj_nope', { displayName: 'x' })).statusCode).toBe(404);
    expect((await api('GET', '/api/v1/objects/obj_nope')).statusCode).toBe(404);
  });

  it('refuses to delete an object that hosts others unless cascading, which deletes the subtree, audited', async () => {
    const host = (await api('POST', '/api/v1/computers', { name: 'del-host' })).json().id;
    const inst = (
      await api('POST', '/api/v1/objects', {
        classId: 'Test.SQL.Instance',
        hostId: host,
        properties: { instanceName: 'I' },
      })
    ).json().id;
    const base = (
      await api('POST', '/api/v1/objects', {
        classId: 'Test.SQL.Database',
        hostId: inst,
        properties: { dbName: 'd' },
      })
    ).json().id;
    const refused = await api('DELETE', `/api/v1/objects/${inst}`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('IN_USE');
    expect((await api('GET', `/api/v1/objects/${base}`)).statusCode).toBe(200);

    const computerRefused = await api('DELETE', `/api/v1/computers/${host}`);
    expect(computerRefused.statusCode).toBe(422);
    expect((await api('DELETE', `/api/v1/objects/${host}`)).statusCode).toBe(422);

    const res = await api('DELETE', `/api/v1/computers/${host}?cascade=true`);
    expect(res.statusCode).toBe(200);
    expect(res.json().deleted).toEqual([host, ...[inst, base].sort()]);
    for (const id of [host, inst, base])
      expect((await api('GET', `/api/v1/objects/${id}`)).statusCode).toBe(404);
    expect((await api('GET', `/api/v1/computers/${host}`)).statusCode).toBe(404);
    const audit = (await api('GET', '/api/v1/audit?kind=computer.delete')).json().items.at(-1);
    expect(audit).toMatchObject({ target: host, details: { cascade: true } });
  });

  it('deletes a leaf object without cascade, and 404s an unknown one', async () => {
    const leaf = (
      await api('POST', '/api/v1/objects', { classId: 'Test.Plain', hostId: abc, name: 'leaf' })
    ).json().id;
    const res = await api('DELETE', `/api/v1/objects/${leaf}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().deleted).toEqual([leaf]);
    expect((await api('DELETE', `/api/v1/objects/${leaf}`)).statusCode).toBe(404);
  });
});

describe('authorization', () => {
  it('lets every role read objects and computers but refuses writes to the roles without inventory.write', async () => {
    const refused = rolesWithout('inventory.write');
    expect(refused).toEqual(
      expect.arrayContaining(['author', 'advanced-operator', 'operator', 'read-only-operator']),
    );
    for (const role of refused) {
      const token = await t.tokenFor(role);
      expect((await api('GET', '/api/v1/objects', undefined, token)).statusCode).toBe(200);
      expect((await api('GET', `/api/v1/objects/${db}`, undefined, token)).statusCode).toBe(200);
      expect((await api('GET', '/api/v1/computers', undefined, token)).statusCode).toBe(200);
      expect((await api('GET', `/api/v1/computers/${abc}`, undefined, token)).statusCode).toBe(200);
      const writes: [string, string, unknown][] = [
        ['POST', '/api/v1/objects', { classId: 'Test.Plain', hostId: abc, name: `by-${role}` }],
        ['PATCH', `/api/v1/objects/${db}`, { displayName: 'x' }],
        ['DELETE', `/api/v1/objects/${db}`, undefined],
        ['POST', '/api/v1/computers', { name: `by-${role}` }],
        ['PATCH', `/api/v1/computers/${abc}`, { displayName: 'x' }],
        ['DELETE', `/api/v1/computers/${abc}?cascade=true`, undefined],
      ];
      for (const [method, url, body] of writes) {
        const res = await api(method, url, body, token);
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
    }
    expect((await api('GET', `/api/v1/objects/${db}`)).json().displayName).toBe('Payroll DB');
  });

  it('refuses every object and computer route without a token with 401', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/objects', undefined],
      ['POST', '/api/v1/objects', { classId: 'Test.Plain', hostId: abc, name: 'anon' }],
      ['GET', `/api/v1/objects/${db}`, undefined],
      ['PATCH', `/api/v1/objects/${db}`, { displayName: 'anon' }],
      ['DELETE', `/api/v1/objects/${db}`, undefined],
      ['GET', '/api/v1/computers', undefined],
      ['POST', '/api/v1/computers', { name: 'anon' }],
      ['GET', `/api/v1/computers/${abc}`, undefined],
      ['PATCH', `/api/v1/computers/${abc}`, { displayName: 'anon' }],
      ['DELETE', `/api/v1/computers/${abc}`, undefined],
    ] as const) {
      expect((await t.request({ method, url, body })).statusCode, `${method} ${url}`).toBe(401);
    }
    expect((await api('GET', `/api/v1/objects/${db}`)).json().displayName).toBe('Payroll DB');
  });
});
