// Proves pack import (YAML, JSON, SCOM XML), upgrade and refusal, atomic rejection, references, deletion with dependents, export, profile and workflow lists, and role checks over HTTP.
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import type { Role } from '../../../domain/roles.js';
import {
  accounts,
  associations,
  auditLog,
  classes,
  objects,
  profiles,
  workflows,
} from '../../../store/schema.js';
import { ensureBuiltInPacks } from './built-in-packs.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const lib = { id: 'Steward.Library', minVersion: '1.0.0' };

/** A small valid pack; ids are prefixed so every test works on its own elements. */
function samplePack(p: string, version = '1.0.0', extra: Record<string, unknown> = {}) {
  return {
    id: `${p}.Pack`,
    version,
    displayName: `${p} pack`,
    sealed: true,
    references: [lib],
    classes: [
      {
        id: `${p}.Instance`,
        baseClass: 'System.Application',
        hosted: true,
        properties: [{ name: 'instanceName', key: true }],
      },
      { id: `${p}.Database`, baseClass: 'System.Database', hosted: true, properties: [{ name: 'dbName' }] },
    ],
    relationships: [
      { id: `${p}.InstanceHostsDatabase`, kind: 'hosting', source: `${p}.Instance`, target: `${p}.Database` },
    ],
    groups: [
      {
        id: `${p}.ProductionInstances`,
        rules: [
          {
            classId: `${p}.Instance`,
            conditions: [{ property: 'instanceName', op: 'like', value: 'PROD*' }],
          },
        ],
      },
    ],
    profiles: [
      { id: `${p}.MonitoringAccount`, displayName: `${p} monitoring`, contextClass: `${p}.Instance` },
    ],
    workflows: [
      {
        id: `${p}.Discovery`,
        kind: 'discovery',
        target: 'System.Computer',
        action: { type: 'command', command: ['discover-sql', '--json'] },
        schedule: { intervalSeconds: 3600 },
      },
      {
        id: `${p}.Monitor.Status`,
        kind: 'monitor',
        target: `${p}.Instance`,
        runAs: `${p}.MonitoringAccount`,
        action: {
          type: 'script',
          interpreter: 'pwsh',
          script: 'Get-Service MSSQLSERVER',
          timeoutSeconds: 60,
        },
        schedule: { cron: '*/5 * * * *' },
      },
      {
        id: `${p}.Task.Restart`,
        kind: 'task',
        target: `${p}.Instance`,
        action: { type: 'command', command: ['restart-sql'] },
      },
    ],
    ...extra,
  };
}

const importPack = (content: string, format?: string, token = t.adminToken) =>
  t.request({
    method: 'POST',
    url: '/api/v1/packs',
    token,
    body: { content, ...(format ? { format } : {}) },
  });

const rowCounts = async () => {
  const count = async (table: typeof classes | typeof profiles | typeof workflows) =>
    Number((await t.database.db.select({ n: sql<number>`count(*)` }).from(table))[0]!.n);
  return {
    classes: await count(classes),
    profiles: await count(profiles),
    workflows: await count(workflows),
  };
};

describe('built-in pack', () => {
  it('imports Steward.Library at start with its classes, derived from SCOM library classes, and the setup profiles', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/packs/Steward.Library', token: t.adminToken });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'Steward.Library',
      sealed: true,
      builtIn: true,
      version: '2.1.0',
    });
    const ids = (
      await t.database.db
        .select({ id: classes.id })
        .from(classes)
        .where(eq(classes.packId, 'Steward.Library'))
    ).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['System.ResourcePool', 'System.Application']));
    expect(ids).not.toContain('System.Entity');
    const profileList = await t.request({
      method: 'GET',
      url: '/api/v1/profiles?packId=Steward.Library',
      token: t.adminToken,
    });
    expect(profileList.json().items.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining([
        'Steward.DefaultActionAccount',
        'Steward.NotificationAccount',
        'Steward.PrivilegedMonitoring',
      ]),
    );
  });

  it('does nothing when the built-in pack is already current', async () => {
    const before = (await t.database.db.select({ n: sql<number>`count(*)` }).from(auditLog))[0]!.n;
    const outcomes = await ensureBuiltInPacks(t.database.db);
    expect(Object.keys(outcomes)).toContain('Steward.Library');
    expect(new Set(Object.values(outcomes))).toEqual(new Set(['unchanged']));
    const after = (await t.database.db.select({ n: sql<number>`count(*)` }).from(auditLog))[0]!.n;
    expect(Number(after)).toBe(Number(before));
  });

  it('refuses to delete or overwrite the built-in pack', async () => {
    const del = await t.request({
      method: 'DELETE',
      url: '/api/v1/packs/Steward.Library',
      token: t.adminToken,
    });
    expect(del.statusCode).toBe(422);
    const imp = await importPack(stringify({ id: 'Steward.Library', version: '9.0.0' }));
    expect(imp.statusCode).toBe(422);
    expect(imp.json().error.code).toBe('RULE_VIOLATION');
  });
});

describe('native import and export', () => {
  it('imports a YAML pack with every kind of element and exports the same text', async () => {
    const yaml = `# Contoso pack\n${stringify(samplePack('Yaml'))}`;
    const res = await importPack(yaml);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      outcome: 'imported',
      pack: {
        id: 'Yaml.Pack',
        format: 'native',
        counts: { classes: 2, relationships: 1, groups: 1, profiles: 1, workflows: 3 },
        references: [{ id: 'Steward.Library', version: '2.1.0' }],
      },
    });
    const exported = await t.request({
      method: 'GET',
      url: '/api/v1/packs/Yaml.Pack/export',
      token: t.adminToken,
    });
    expect(exported.json()).toEqual({ id: 'Yaml.Pack', version: '1.0.0', format: 'yaml', content: yaml });
    const [cls] = await t.database.db.select().from(classes).where(eq(classes.id, 'Yaml.Instance'));
    expect(cls).toMatchObject({
      packId: 'Yaml.Pack',
      baseClassId: 'System.Application',
      keyProperties: ['instanceName'],
    });
    const [wf] = await t.database.db.select().from(workflows).where(eq(workflows.id, 'Yaml.Monitor.Status'));
    expect(wf).toMatchObject({ profileId: 'Yaml.MonitoringAccount', schedule: { cron: '*/5 * * * *' } });
    expect(wf!.action).toMatchObject({ type: 'script', interpreter: 'pwsh', timeoutSeconds: 60 });
  });

  it('imports a JSON pack and exports it as JSON', async () => {
    const json = JSON.stringify(samplePack('Json'), null, 2);
    const res = await importPack(json);
    expect(res.statusCode).toBe(201);
    const exported = await t.request({
      method: 'GET',
      url: '/api/v1/packs/Json.Pack/export',
      token: t.adminToken,
    });
    expect(exported.json()).toMatchObject({ format: 'json', content: json });
  });

  it('answers 200 unchanged when the same version with the same content is imported again', async () => {
    const yaml = stringify(samplePack('Same'));
    expect((await importPack(yaml)).statusCode).toBe(201);
    const again = await importPack(JSON.stringify(samplePack('Same')));
    expect(again.statusCode).toBe(200);
    expect(again.json().outcome).toBe('unchanged');
  });

  it('refuses the same version with different content with 409 CONFLICT', async () => {
    expect((await importPack(stringify(samplePack('Diff')))).statusCode).toBe(201);
    const changed = samplePack('Diff', '1.0.0', { description: 'changed' });
    const res = await importPack(stringify(changed));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('CONFLICT');
  });

  it('lists packs and shows one with its references and dependents', async () => {
    const list = await t.request({ method: 'GET', url: '/api/v1/packs', token: t.adminToken });
    expect(list.json().items.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining(['Steward.Library', 'Yaml.Pack']),
    );
    const lib = await t.request({ method: 'GET', url: '/api/v1/packs/Steward.Library', token: t.adminToken });
    expect(lib.json().dependents).toContain('Yaml.Pack');
    const missing = await t.request({ method: 'GET', url: '/api/v1/packs/No.Such', token: t.adminToken });
    expect(missing.statusCode).toBe(404);
  });
});

describe('upgrade', () => {
  it('upgrades to a newer version: adds, updates and removes elements', async () => {
    expect((await importPack(stringify(samplePack('Up', '1.0.0.0')))).statusCode).toBe(201);
    const v2 = samplePack('Up', '1.0.1.0');
    v2.profiles.push({ id: 'Up.AdminAccount', displayName: 'Up admin', contextClass: 'System.Computer' });
    v2.workflows = v2.workflows.filter((w) => w.kind !== 'task');
    v2.classes[1]!.properties.push({ name: 'sizeMb', key: false });
    const res = await importPack(stringify(v2));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      outcome: 'upgraded',
      previousVersion: '1.0.0.0',
      changes: { added: { profiles: 1 }, updated: { classes: 1 }, removed: { workflows: 1 } },
      pack: { version: '1.0.1.0' },
    });
    expect(await t.database.db.select().from(workflows).where(eq(workflows.id, 'Up.Task.Restart'))).toEqual(
      [],
    );
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.kind, 'pack.upgrade'));
    expect(audit.some((a) => a.target === 'Up.Pack')).toBe(true);
  });

  it('refuses an older version with 409 PACK_VERSION_OLDER', async () => {
    const res = await importPack(stringify(samplePack('Up', '1.0.0.5')));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('PACK_VERSION_OLDER');
  });

  it('refuses an upgrade that removes a class which still has objects, naming it', async () => {
    expect((await importPack(stringify(samplePack('Obj')))).statusCode).toBe(201);
    await t.database.db.insert(objects).values({
      id: 'obj_packtest1',
      classId: 'Obj.Database',
      name: 'db1',
      displayName: 'db1',
    });
    const v2 = samplePack('Obj', '2.0.0');
    v2.classes = v2.classes.filter((c) => c.id !== 'Obj.Database');
    v2.relationships = [];
    const res = await importPack(stringify(v2));
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'IN_USE' });
    expect(res.json().error.message).toContain("class 'Obj.Database' still has 1 object(s)");
    const del = await t.request({ method: 'DELETE', url: '/api/v1/packs/Obj.Pack', token: t.adminToken });
    expect(del.statusCode).toBe(422);
    expect(del.json().error.code).toBe('IN_USE');
    await t.database.db.delete(objects).where(eq(objects.id, 'obj_packtest1'));
  });
});

describe('elements named by notification subscriptions', () => {
  it('refuses to remove a class or group a subscription names, by a new version or by deleting the pack', async () => {
    expect((await importPack(stringify(samplePack('Sub')))).statusCode).toBe(201);
    const post = async (url: string, body: unknown) => {
      const res = await t.request({ method: 'POST', url, token: t.adminToken, body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const channel = await post('/api/v1/notification-channels', {
      name: 'Pack test pager',
      kind: 'command',
      settings: { applicationPath: process.execPath, arguments: ['-e', 'process.exit(0)'] },
    });
    const pager = await post('/api/v1/notification-subscribers', {
      name: 'Pack test pager',
      addresses: [{ name: 'pager', kind: 'command', address: '' }],
    });
    const subscription = await post('/api/v1/notification-subscriptions', {
      name: 'Production SQL instances',
      to: [pager],
      channelIds: [channel],
      criteria: { classIds: ['Sub.Database'], groupIds: ['Sub.ProductionInstances'] },
    });
    const v2 = samplePack('Sub', '2.0.0');
    v2.classes = v2.classes.filter((c) => c.id !== 'Sub.Database');
    v2.relationships = [];
    const res = await importPack(stringify(v2));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('IN_USE');
    expect(res.json().error.message).toContain(
      `notification subscription 'Production SQL instances' (${subscription}) has criteria on class 'Sub.Database'`,
    );
    const del = await t.request({ method: 'DELETE', url: '/api/v1/packs/Sub.Pack', token: t.adminToken });
    expect(del.statusCode).toBe(422);
    expect(del.json().error.message).toContain("group 'Sub.ProductionInstances'");
    const gone = await t.request({
      method: 'DELETE',
      url: `/api/v1/notification-subscriptions/${subscription}`,
      token: t.adminToken,
    });
    expect(gone.statusCode).toBe(204);
    const again = await t.request({ method: 'DELETE', url: '/api/v1/packs/Sub.Pack', token: t.adminToken });
    expect(again.statusCode, again.body).toBe(200);
  });
});

describe('validation', () => {
  it('rejects a wrong base class with the element path and writes nothing', async () => {
    const before = await rowCounts();
    const bad = samplePack('Bad');
    bad.classes[1]!.baseClass = 'System.NoSuchClass';
    const res = await importPack(stringify(bad));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.issues).toContainEqual({
      path: 'pack.classes[1].baseClass',
      message: "no class 'System.NoSuchClass' in this pack or in the packs it references",
    });
    expect(await rowCounts()).toEqual(before);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/packs/Bad.Pack', token: t.adminToken })).statusCode,
    ).toBe(404);
  });

  it('rejects a malformed document with the field path', async () => {
    const bad = samplePack('Shape');
    (bad.workflows[2] as Record<string, unknown>).schedule = { intervalSeconds: 60 };
    delete (bad.workflows[0] as Record<string, unknown>).schedule;
    const res = await importPack(stringify(bad));
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['pack.workflows[0].schedule', 'pack.workflows[2].schedule']),
    );
  });

  it('rejects text that is not YAML with body.content', async () => {
    const res = await importPack('id: [unclosed', 'yaml');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe('body.content');
  });

  it('requires a reference to Steward.Library to use System classes', async () => {
    const res = await importPack(stringify(samplePack('NoRef', '1.0.0', { references: [] })));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toContainEqual({
      path: 'pack.classes[0].baseClass',
      message:
        "class 'System.Application' belongs to pack 'Steward.Library'; list 'Steward.Library' in references",
    });
  });

  it('refuses a reference to a pack that is not imported', async () => {
    const res = await importPack(
      stringify(
        samplePack('Missing', '1.0.0', { references: [lib, { id: 'Not.Imported', minVersion: '1.0' }] }),
      ),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0]).toEqual({
      path: 'pack.references[1].id',
      message: "pack 'Not.Imported' is not imported; import it first",
    });
  });

  it('refuses a reference whose minimum version is newer than the imported one', async () => {
    const res = await importPack(
      stringify(samplePack('TooNew', '1.0.0', { references: [{ ...lib, minVersion: '9.0' }] })),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe('pack.references[0].minVersion');
  });

  it('refuses a reference to an unsealed pack', async () => {
    const base = samplePack('Open', '1.0.0', { sealed: false });
    expect((await importPack(stringify(base))).statusCode).toBe(201);
    const user = {
      id: 'OpenUser.Pack',
      version: '1.0',
      references: [lib, { id: 'Open.Pack', minVersion: '1.0' }],
      profiles: [{ id: 'OpenUser.Account', contextClass: 'Open.Instance' }],
    };
    const res = await importPack(stringify(user));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0]).toEqual({
      path: 'pack.references[1].id',
      message: "pack 'Open.Pack' is not sealed; only sealed packs can be referenced",
    });
  });

  it('refuses an element id another pack owns with 409 naming the path', async () => {
    const res = await importPack(
      stringify({
        id: 'Thief.Pack',
        version: '1.0',
        references: [lib],
        classes: [{ id: 'Yaml.Instance', baseClass: 'System.Entity' }],
      }),
    );
    expect(res.statusCode).toBe(409);
    expect(res.json().error.issues[0]).toMatchObject({ path: 'pack.classes[0].id' });
    expect(res.json().error.issues[0].message).toContain("pack 'Yaml.Pack'");
  });
});

describe('S19 and S21', () => {
  it('S19: a pack declaring profile P and workflow W running as P lists P with W', async () => {
    const m = {
      id: 'S19.SQL',
      version: '1.0',
      sealed: true,
      references: [lib],
      classes: [{ id: 'S19.SQL.DBEngine', baseClass: 'System.Service', hosted: true }],
      profiles: [{ id: 'S19.SQL.P', displayName: 'SQL Run As', contextClass: 'S19.SQL.DBEngine' }],
      workflows: [
        {
          id: 'S19.SQL.W',
          kind: 'rule',
          target: 'S19.SQL.DBEngine',
          runAs: 'S19.SQL.P',
          action: { type: 'command', command: ['sqlcheck'] },
          schedule: { intervalSeconds: 300 },
        },
      ],
    };
    expect((await importPack(stringify(m))).statusCode).toBe(201);
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/profiles?packId=S19.SQL',
      token: t.adminToken,
    });
    expect(res.json().items).toEqual([
      expect.objectContaining({ id: 'S19.SQL.P', contextClassId: 'S19.SQL.DBEngine', workflowCount: 1 }),
    ]);
    const wf = await t.request({
      method: 'GET',
      url: '/api/v1/workflows?profileId=S19.SQL.P',
      token: t.adminToken,
    });
    expect(wf.json().items.map((w: { id: string }) => w.id)).toEqual(['S19.SQL.W']);
  });

  it('S21: deleting M while N references it is refused naming N; after N is gone M deletes', async () => {
    expect((await importPack(stringify(samplePack('M')))).statusCode).toBe(201);
    const n = {
      id: 'N.Pack',
      version: '1.0',
      references: [lib, { id: 'M.Pack', minVersion: '1.0' }],
      classes: [{ id: 'N.Thing', baseClass: 'M.Instance' }],
    };
    expect((await importPack(stringify(n))).statusCode).toBe(201);
    const refused = await t.request({ method: 'DELETE', url: '/api/v1/packs/M.Pack', token: t.adminToken });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('DEPENDENT_PACKS');
    expect(refused.json().error.message).toContain('N.Pack');

    const delN = await t.request({ method: 'DELETE', url: '/api/v1/packs/N.Pack', token: t.adminToken });
    expect(delN.statusCode).toBe(200);
    const delM = await t.request({ method: 'DELETE', url: '/api/v1/packs/M.Pack', token: t.adminToken });
    expect(delM.statusCode).toBe(200);
    expect(delM.json()).toEqual({
      id: 'M.Pack',
      version: '1.0.0',
      removed: { classes: 2, relationships: 1, groups: 1, profiles: 1, workflows: 3 },
      associationsRemoved: [],
    });
    expect(await t.database.db.select().from(classes).where(eq(classes.packId, 'M.Pack'))).toEqual([]);
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.kind, 'pack.delete'));
    expect(audit.find((a) => a.target === 'M.Pack')?.details).toMatchObject({ version: '1.0.0' });
  });
});

describe('upgrades that dependents would notice', () => {
  it('refuses removing a class another pack derives from, and unsealing a referenced pack', async () => {
    expect((await importPack(stringify(samplePack('Base')))).statusCode).toBe(201);
    const user = {
      id: 'BaseUser.Pack',
      version: '1.0',
      references: [lib, { id: 'Base.Pack', minVersion: '1.0' }],
      classes: [{ id: 'BaseUser.Special', baseClass: 'Base.Database' }],
    };
    expect((await importPack(stringify(user))).statusCode).toBe(201);
    const v2 = samplePack('Base', '2.0');
    v2.classes = v2.classes.filter((c) => c.id !== 'Base.Database');
    v2.relationships = [];
    const removed = await importPack(stringify(v2));
    expect(removed.statusCode).toBe(422);
    expect(removed.json().error.message).toContain(
      "class 'BaseUser.Special' (pack 'BaseUser.Pack') derives from 'Base.Database'",
    );
    const unsealed = await importPack(stringify(samplePack('Base', '2.0', { sealed: false })));
    expect(unsealed.statusCode).toBe(422);
    expect(unsealed.json().error).toMatchObject({ code: 'DEPENDENT_PACKS' });
    expect(unsealed.json().error.message).toContain('BaseUser.Pack');
  });
});

describe('profiles with account associations', () => {
  it('refuses deleting a pack whose profile has associations, naming the profile', async () => {
    expect((await importPack(stringify(samplePack('Assoc')))).statusCode).toBe(201);
    await t.database.db.insert(accounts).values({
      id: 'acct_packtest',
      name: 'pack-test-account',
      description: 'pack test',
      type: 'basic',
      version: 1,
      security: 'more-secure',
    });
    await t.database.db.insert(associations).values({
      id: 'asc_packtest',
      profileId: 'Assoc.MonitoringAccount',
      accountId: 'acct_packtest',
      scopeKind: 'all',
      ordinal: 1,
    });
    const res = await t.request({ method: 'DELETE', url: '/api/v1/packs/Assoc.Pack', token: t.adminToken });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('IN_USE');
    expect(res.json().error.message).toContain(
      "profile 'Assoc.MonitoringAccount' has 1 account association(s)",
    );
    await t.database.db.delete(associations).where(eq(associations.id, 'asc_packtest'));
    const del = await t.request({ method: 'DELETE', url: '/api/v1/packs/Assoc.Pack', token: t.adminToken });
    expect(del.statusCode).toBe(200);
  });
});

describe('SCOM XML', () => {
  const xml = readFileSync(
    new URL('../../../../test/fixtures/packs/contoso-sql.xml', import.meta.url),
    'utf8',
  );

  it('imports classes, relationships and secure references, and lists what it skipped', async () => {
    const res = await importPack(xml);
    expect(res.statusCode).toBe(201);
    const pack = res.json().pack;
    expect(pack).toMatchObject({
      id: 'Contoso.SQL',
      version: '1.0.2.0',
      format: 'scom-xml',
      sealed: true,
      displayName: 'Contoso SQL Server',
      counts: { classes: 3, relationships: 2, profiles: 2, groups: 0, workflows: 0 },
    });
    const kinds = pack.skipped.map((s: { kind: string }) => s.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'DataSourceModuleType',
        'Discovery',
        'Rule',
        'UnitMonitor',
        'Task',
        'View',
        'Reference',
      ]),
    );
    expect(pack.skipped).toContainEqual(
      expect.objectContaining({
        path: "ManagementPack/Monitoring/Rules/Rule[@ID='Contoso.SQL.CollectConnections']",
      }),
    );
    const [p] = await t.database.db
      .select()
      .from(profiles)
      .where(eq(profiles.id, 'Contoso.SQL.DiscoveryAccount'));
    expect(p).toMatchObject({ contextClassId: 'Microsoft.Windows.Computer', packId: 'Contoso.SQL' });
    const exported = await t.request({
      method: 'GET',
      url: '/api/v1/packs/Contoso.SQL/export',
      token: t.adminToken,
    });
    expect(exported.json()).toMatchObject({ format: 'scom-xml', content: xml });
  });

  it('refuses XML nested 2,000 levels deep with 400 naming the content, as it does the YAML equivalent', async () => {
    const before = await rowCounts();
    const deep = `<ManagementPack>${'<a>'.repeat(2000)}${'</a>'.repeat(2000)}</ManagementPack>`;
    const res = await importPack(deep, 'scom-xml');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0]).toEqual({
      path: 'body.content',
      message: expect.stringMatching(/levels deep/),
    });
    const yaml = await importPack(`${'- '.repeat(2000)}x`, 'yaml');
    expect(yaml.statusCode).toBe(400);
    expect(await rowCounts()).toEqual(before);
  });

  it('names the XML place of a class it cannot resolve', async () => {
    const broken = xml
      .replace('<ID>Contoso.SQL</ID>', '<ID>Contoso.Broken</ID>')
      .replaceAll('Contoso.SQL.', 'Contoso.Broken.')
      .replace('System!System.Database', 'Windows!Microsoft.Windows.Cluster');
    const res = await importPack(broken, 'scom-xml');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe(
      "ManagementPack/TypeDefinitions/EntityTypes/ClassTypes/ClassType[@ID='Contoso.Broken.Database']/@Base",
    );
  });
});

describe('roles', () => {
  const refusedWriters: Role[] = ['author', 'advanced-operator', 'operator', 'read-only-operator'];

  it.each(refusedWriters)('refuses import and delete to the %s role with 403', async (role) => {
    const token = await t.tokenFor(role);
    expect((await importPack(stringify(samplePack('Role')), undefined, token)).statusCode).toBe(403);
    expect((await t.request({ method: 'DELETE', url: '/api/v1/packs/Yaml.Pack', token })).statusCode).toBe(
      403,
    );
  });

  it('lets an Author read packs, profiles and workflows', async () => {
    const token = await t.tokenFor('author');
    for (const url of [
      '/api/v1/packs',
      '/api/v1/packs/Yaml.Pack',
      '/api/v1/packs/Yaml.Pack/export',
      '/api/v1/profiles',
      '/api/v1/workflows',
    ]) {
      expect((await t.request({ method: 'GET', url, token })).statusCode).toBe(200);
    }
  });

  it('denies operators the list of profiles (S23)', async () => {
    for (const role of ['operator', 'advanced-operator', 'read-only-operator'] as Role[]) {
      const res = await t.request({ method: 'GET', url: '/api/v1/profiles', token: await t.tokenFor(role) });
      expect(res.statusCode).toBe(403);
    }
  });

  it('refuses every pack route without a token with 401', async () => {
    const calls = [
      { method: 'GET', url: '/api/v1/packs' },
      { method: 'GET', url: '/api/v1/packs/Yaml.Pack' },
      { method: 'GET', url: '/api/v1/packs/Yaml.Pack/export' },
      { method: 'DELETE', url: '/api/v1/packs/Yaml.Pack' },
      { method: 'POST', url: '/api/v1/packs', body: { content: 'id: X' } },
      { method: 'GET', url: '/api/v1/profiles' },
      { method: 'GET', url: '/api/v1/workflows' },
    ];
    for (const c of calls) expect((await t.request(c)).statusCode).toBe(401);
  });
});
