// Proves that SCOM packs deriving from SCOM's standard libraries import against Steward's built-in library packs,
// that Steward's own computers and pools are objects of those classes, the import tolerances (UTF-16 with a byte
// order mark, no declaration, a comment first, a SecureReference without Context), the handling of a missing
// referenced pack (imported where it can be, refused with the element path where it cannot, completed later),
// and an export / import round trip into a fresh server.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPoolIds } from '../../src/contract/inventory.js';
import { auditLog, classes, packs, profiles, relationships } from '../../src/store/schema.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const fixture = (name: string) => new URL(`../fixtures/packs/scom/${name}`, import.meta.url);
const text = (name: string) => readFileSync(fixture(name), 'utf8');

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const importText = (app: TestApp, content: string) =>
  app.request({ method: 'POST', url: '/api/v1/packs', token: app.adminToken, body: { content } });
const get = (url: string, app = t) => app.request({ method: 'GET', url, token: app.adminToken });

const counts = async () => {
  const n = async (
    table: typeof classes | typeof profiles | typeof relationships | typeof packs | typeof auditLog,
  ) => Number((await t.database.db.select({ n: sql<number>`count(*)` }).from(table))[0]!.n);
  return {
    packs: await n(packs),
    classes: await n(classes),
    relationships: await n(relationships),
    profiles: await n(profiles),
    audit: await n(auditLog),
  };
};

describe('built-in SCOM libraries', () => {
  it('ships each library as a sealed built-in pack with SCOM ids and inheritance', async () => {
    const list = (await get('/api/v1/packs')).json().items as {
      id: string;
      builtIn: boolean;
      sealed: boolean;
    }[];
    const builtIn = list.filter((p) => p.builtIn).map((p) => p.id);
    expect(builtIn).toEqual(
      expect.arrayContaining([
        'System.Library',
        'System.Health.Library',
        'Microsoft.SystemCenter.Library',
        'Microsoft.Windows.Library',
        'Microsoft.Windows.Server.Library',
        'Microsoft.Unix.Library',
        'Microsoft.Linux.Library',
        'Steward.Library',
      ]),
    );
    // Every built-in library is sealed; Notifications Internal Library is the one unsealed built-in pack,
    // where administrators make profiles for notification channels.
    expect(list.filter((p) => p.builtIn && !p.sealed).map((p) => p.id)).toEqual([
      'Microsoft.SystemCenter.Notifications.Internal',
    ]);
    const chain = async (id: string) => {
      const out: string[] = [];
      for (let c: string | null = id; c; ) {
        out.push(c);
        c = (await get(`/api/v1/classes/${c}`)).json().baseClassId;
      }
      return out;
    };
    expect(await chain('Microsoft.Windows.Server.Computer')).toEqual([
      'Microsoft.Windows.Server.Computer',
      'Microsoft.Windows.Computer',
      'System.Computer',
      'System.Device',
      'System.LogicalEntity',
      'System.Entity',
    ]);
    expect(await chain('Microsoft.Linux.Computer')).toEqual(
      expect.arrayContaining(['Microsoft.Unix.Computer', 'System.Computer']),
    );
    expect((await get('/api/v1/classes/Microsoft.Windows.ComputerRole')).json()).toMatchObject({
      abstract: true,
      hosted: true,
      baseClassId: 'System.ComputerRole',
    });
  });

  it("makes Steward's pools Microsoft.SystemCenter.ManagementServicePool objects", async () => {
    const res = await get('/api/v1/objects?class=Microsoft.SystemCenter.ManagementServicePool&limit=100');
    expect(res.statusCode).toBe(200);
    const ids = res.json().items.map((o: { id: string }) => o.id);
    expect(ids).toEqual(expect.arrayContaining(Object.values(builtInPoolIds)));
  });

  it('puts a computer registered as a Windows computer in a group of Microsoft.Windows.Computer', async () => {
    const pc = await t.request({
      method: 'POST',
      url: '/api/v1/computers',
      token: t.adminToken,
      body: {
        name: 'web01.fabrikam.test',
        classId: 'Microsoft.Windows.Server.Computer',
        properties: { PrincipalName: 'web01.fabrikam.test' },
      },
    });
    expect(pc.statusCode).toBe(201);
    const group = await t.request({
      method: 'POST',
      url: '/api/v1/groups',
      token: t.adminToken,
      body: { id: 'Fabrikam.WindowsComputers', rules: [{ classId: 'Microsoft.Windows.Computer' }] },
    });
    expect(group.statusCode).toBe(201);
    const members = (await get('/api/v1/groups/Fabrikam.WindowsComputers/members')).json().items;
    expect(members.map((m: { objectId?: string; id?: string }) => m.objectId ?? m.id)).toContain(
      pc.json().id,
    );
  });
});

describe('importing SCOM packs that derive from the libraries', () => {
  it('imports a watcher derived from System.Perspective, with no XML declaration, a comment first and a SecureReference without Context', async () => {
    const res = await importText(t, text('fabrikam-watcher.xml'));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      outcome: 'imported',
      missingReferences: [],
      pack: {
        id: 'Fabrikam.Watcher',
        references: [{ id: 'System.Library', alias: 'SystemLib', minVersion: '7.5.8501.0' }],
      },
    });
    expect((await get('/api/v1/classes/Fabrikam.Watcher.WatcherNode')).json().baseClassId).toBe(
      'System.Perspective',
    );
    const profile = (await get('/api/v1/profiles?packId=Fabrikam.Watcher')).json().items[0];
    expect(profile).toMatchObject({
      id: 'Fabrikam.Watcher.RunAsProfile',
      displayName: 'Fabrikam Watcher Account',
      contextClassId: 'System.Entity',
    });
  });

  it('imports a pool class derived from Microsoft.SystemCenter.ManagementServicePool', async () => {
    const res = await importText(t, text('fabrikam-pool.xml'));
    expect(res.statusCode).toBe(201);
    expect((await get('/api/v1/classes/Fabrikam.Pool.CollectorPool')).json().baseClassId).toBe(
      'Microsoft.SystemCenter.ManagementServicePool',
    );
    expect(
      res
        .json()
        .pack.references.map((r: { id: string }) => r.id)
        .sort(),
    ).toEqual(['Microsoft.SystemCenter.Library', 'System.Library']);
  });

  it('imports a UTF-16 file with a byte order mark (sent as its bytes) deriving from Microsoft.Windows.ComputerRole', async () => {
    const bytes = readFileSync(fixture('fabrikam-monitoring-server.xml'));
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/packs',
      token: t.adminToken,
      body: { content: bytes.toString('base64'), contentEncoding: 'base64' },
    });
    expect(res.statusCode).toBe(201);
    expect((await get('/api/v1/classes/Fabrikam.MonitoringServer.Role')).json()).toMatchObject({
      baseClassId: 'Microsoft.Windows.ComputerRole',
      displayName: 'Fabrikam Monitoring Server — rôle',
    });
  });

  it('refuses bytes that are not text in the encoding they declare, naming the content and changing nothing', async () => {
    const before = await counts();
    const bad = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="utf-8"?><ManagementPack>'),
      Buffer.from([0xc3, 0x28]),
    ]);
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/packs',
      token: t.adminToken,
      body: { content: bad.toString('base64'), contentEncoding: 'base64' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0]).toEqual({ path: 'body.content', message: 'is not valid UTF-8 text' });
    expect(await counts()).toEqual(before);
  });
});

describe('a referenced pack that is not imported', () => {
  const extension = text('fabrikam-sql-extension.xml');

  it('refuses a class whose base is in the missing pack with 422 naming the element and the pack, changing nothing', async () => {
    const before = await counts();
    const broken = extension
      .replace('<ID>Fabrikam.SQL.Extension</ID>', '<ID>Fabrikam.SQL.Broken</ID>')
      .replaceAll('Fabrikam.SQL.Extension.', 'Fabrikam.SQL.Broken.')
      .replace(
        'Base="Windows!Microsoft.Windows.LocalApplication"',
        'Base="SQLDiscovery!Fabrikam.Test.SQLServer.DBEngine"',
      );
    const res = await importText(t, broken);
    expect(res.statusCode).toBe(422);
    const error = res.json().error;
    expect(error.code).toBe('MISSING_REFERENCE');
    expect(error.message).toContain("'Fabrikam.Test.SQLServer.Discovery'");
    expect(error.issues).toEqual([
      {
        path: "ManagementPack/TypeDefinitions/EntityTypes/ClassTypes/ClassType[@ID='Fabrikam.SQL.Broken.Agent']/@Base",
        message: expect.stringMatching(
          /'SQLDiscovery!Fabrikam\.Test\.SQLServer\.DBEngine' is in pack 'Fabrikam\.Test\.SQLServer\.Discovery', which is not imported; import 'Fabrikam\.Test\.SQLServer\.Discovery' first/,
        ),
      },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('imports what stands without it and says which pack to import first and what waits for it', async () => {
    const res = await importText(t, extension);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.missingReferences).toEqual([
      {
        packId: 'Fabrikam.Test.SQLServer.Discovery',
        alias: 'SQLDiscovery',
        minVersion: '7.0.15.0',
        neededBy: [
          {
            path: "ManagementPack/TypeDefinitions/EntityTypes/RelationshipTypes/RelationshipType[@ID='Fabrikam.SQL.Extension.EngineReferencesAgent']",
            message: expect.stringContaining('the relationship is left out'),
          },
          {
            path: "ManagementPack/TypeDefinitions/SecureReferences/SecureReference[@ID='Fabrikam.SQL.Extension.MonitoringAccount']/@Context",
            message: expect.stringContaining('the profile applies to every class (System.Entity)'),
          },
        ],
      },
    ]);
    expect(body.pack.counts).toMatchObject({ classes: 1, relationships: 0, profiles: 1 });
    expect(body.pack.skipped).toContainEqual(
      expect.objectContaining({ kind: 'RelationshipType', missingPack: 'Fabrikam.Test.SQLServer.Discovery' }),
    );
    const profile = (await get('/api/v1/profiles?packId=Fabrikam.SQL.Extension')).json().items[0];
    expect(profile.contextClassId).toBe('System.Entity');
    // The same text again is unchanged while the pack is still missing.
    expect((await importText(t, extension)).json().outcome).toBe('unchanged');
  });

  it('completes the waiting pack when the missing pack is imported', async () => {
    const res = await importText(t, text('fabrikam-sqlserver-discovery.xml'));
    expect(res.statusCode).toBe(201);
    expect(res.json().completed).toEqual(['Fabrikam.SQL.Extension']);
    const pack = (await get('/api/v1/packs/Fabrikam.SQL.Extension')).json();
    expect(pack.counts).toMatchObject({ classes: 1, relationships: 1, profiles: 1 });
    expect(pack.references.map((r: { id: string }) => r.id)).toContain('Fabrikam.Test.SQLServer.Discovery');
    expect(pack.skipped.filter((s: { missingPack?: string }) => s.missingPack)).toEqual([]);
    const profile = (await get('/api/v1/profiles?packId=Fabrikam.SQL.Extension')).json().items[0];
    expect(profile.contextClassId).toBe('Fabrikam.Test.SQLServer.DBEngine');
    const audit = await t.database.db
      .select({ kind: auditLog.kind })
      .from(auditLog)
      .where(sql`${auditLog.target} = 'Fabrikam.SQL.Extension'`)
      .orderBy(auditLog.seq);
    expect(audit.map((a) => a.kind)).toEqual(['pack.import', 'pack.complete']);
  });
});

describe('round trip', () => {
  it('exports each imported pack and imports it into a fresh server with the same result', async () => {
    const fresh = await createTestApp();
    try {
      for (const id of [
        'Fabrikam.Watcher',
        'Fabrikam.Pool',
        'Fabrikam.MonitoringServer',
        'Fabrikam.Test.SQLServer.Discovery',
        'Fabrikam.SQL.Extension',
      ]) {
        const exported = (await get(`/api/v1/packs/${id}/export`)).json();
        expect(exported.format).toBe('scom-xml');
        const res = await importText(fresh, exported.content);
        expect(res.statusCode).toBe(201);
        const strip = (p: Record<string, unknown>) => {
          const { importedAt: _a, importedBy: _b, dependents: _c, ...rest } = p;
          return rest;
        };
        expect(strip(res.json().pack)).toEqual(strip((await get(`/api/v1/packs/${id}`)).json()));
        const classesOf = async (app: TestApp) =>
          (await get('/api/v1/classes', app))
            .json()
            .items.filter((c: { packId: string }) => c.packId === id)
            .map(({ createdAt: _c, ...c }: { createdAt: string }) => c);
        expect(await classesOf(fresh)).toEqual(await classesOf(t));
      }
    } finally {
      await fresh.close();
    }
  });
});
