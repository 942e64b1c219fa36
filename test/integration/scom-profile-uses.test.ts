// Proves profile uses: the SCOM workflows and module types of an imported pack that run as a profile (RunAs on
// the element or a member module, $RunAs[…]$ substitutions, transitively through in-pack module types) are
// recorded with their target class and element path, listed by the profile, counted by findings and suggested
// distribution but never given to a health service to run, wait for a missing pack, survive a round trip, and
// that a use naming an unknown profile is refused with its path, changing nothing.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, packs, profileUses } from '../../src/store/schema.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const text = (name: string) =>
  readFileSync(new URL(`../fixtures/packs/scom/${name}`, import.meta.url), 'utf8');
const MONITORING = text('fabrikam-sql-monitoring.xml');
const DISCOVERY = text('fabrikam-sqlserver-discovery.xml');
const PROFILE = 'Fabrikam.SQL.Monitoring.RunAsProfile';
const DS =
  "ManagementPack/TypeDefinitions/ModuleTypes/DataSourceModuleType[@ID='Fabrikam.SQL.Monitoring.DbStateSource']/@RunAs";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function call(method: string, url: string, body?: unknown, app = t, token = app.adminToken) {
  const res = await app.request({ method, url, token, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
async function ok(method: string, url: string, body?: unknown, app = t) {
  const r = await call(method, url, body, app);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const count = async (table: typeof packs | typeof profileUses | typeof auditLog) =>
  Number((await t.database.db.select({ n: sql<number>`count(*)` }).from(table))[0]!.n);

describe('profile uses of an imported SCOM pack', () => {
  it('refuses a RunAs that names no profile, with the element path, and changes nothing', async () => {
    const before = [await count(packs), await count(profileUses), await count(auditLog)];
    const broken = MONITORING.replace(
      'RunAs="System!System.PrivilegedMonitoringAccount"',
      'RunAs="Fabrikam.SQL.Monitoring.NoSuchProfile"',
    ).replace('<ID>Fabrikam.SQL.Monitoring</ID>', '<ID>Fabrikam.SQL.Broken</ID>');
    const r = await call('POST', '/api/v1/packs', { content: broken });
    expect(r.status).toBe(400);
    expect(r.body.error.issues).toContainEqual({
      path: "ManagementPack/Monitoring/Tasks/Task[@ID='Fabrikam.SQL.Monitoring.ResetCounters']/WriteAction[@ID='Reset']/@RunAs",
      message: expect.stringContaining(
        "no Run As profile (SecureReference) 'Fabrikam.SQL.Monitoring.NoSuchProfile'",
      ),
    });
    expect([await count(packs), await count(profileUses), await count(auditLog)]).toEqual(before);
  });

  it('records each use, transitively, and keeps those whose target is in a missing pack waiting', async () => {
    const r = await call('POST', '/api/v1/packs', { content: MONITORING });
    expect(r.status).toBe(201);
    const uses = r.body.pack.profileUses as { elementId: string }[];
    expect(uses).toEqual(
      expect.arrayContaining([
        {
          elementId: 'Fabrikam.SQL.Monitoring.DbStateSource',
          elementKind: 'DataSourceModuleType',
          profileId: PROFILE,
          targetClassId: null,
          path: DS,
          via: null,
          how: 'run-as',
        },
        {
          elementId: 'Fabrikam.SQL.Monitoring.DatabaseState',
          elementKind: 'UnitMonitor',
          profileId: PROFILE,
          targetClassId: 'Fabrikam.Test.SQLServer.DBEngine',
          path: DS,
          via: 'Fabrikam.SQL.Monitoring.DbStateSource',
          how: 'run-as',
        },
        {
          elementId: 'Fabrikam.SQL.Monitoring.CollectConnections',
          elementKind: 'Rule',
          profileId: PROFILE,
          targetClassId: 'Fabrikam.Test.SQLServer.DBEngine',
          path: "ManagementPack/Monitoring/Rules/Rule[@ID='Fabrikam.SQL.Monitoring.CollectConnections']/WriteActions/WriteAction[@ID='Post']/Arguments",
          via: null,
          how: 'substitution',
        },
        {
          elementId: 'Fabrikam.SQL.Monitoring.ResetCounters',
          elementKind: 'Task',
          profileId: 'System.PrivilegedMonitoringAccount',
          targetClassId: 'Microsoft.Windows.Computer',
          path: "ManagementPack/Monitoring/Tasks/Task[@ID='Fabrikam.SQL.Monitoring.ResetCounters']/WriteAction[@ID='Reset']/@RunAs",
          via: null,
          how: 'run-as',
        },
      ]),
    );
    // The monitor type uses the profile through its data source; the probe names none.
    expect(uses.map((u) => u.elementId).sort()).toEqual([
      'Fabrikam.SQL.Monitoring.CollectConnections',
      'Fabrikam.SQL.Monitoring.DatabaseState',
      'Fabrikam.SQL.Monitoring.DbStateMonitorType',
      'Fabrikam.SQL.Monitoring.DbStateSource',
      'Fabrikam.SQL.Monitoring.ResetCounters',
    ]);
    expect(r.body.missingReferences[0].packId).toBe('Fabrikam.Test.SQLServer.Discovery');
    expect(r.body.missingReferences[0].neededBy).toContainEqual({
      path: "ManagementPack/Monitoring/Monitors/UnitMonitor[@ID='Fabrikam.SQL.Monitoring.DatabaseState']/@Target",
      message: expect.stringContaining('this profile use is recorded and counts once'),
    });
    // The skip report says they are not run but count.
    expect(r.body.pack.skipped).toContainEqual(
      expect.objectContaining({
        path: "ManagementPack/Monitoring/Monitors/UnitMonitor[@ID='Fabrikam.SQL.Monitoring.DatabaseState']",
        reason: expect.stringContaining(
          `It runs as '${PROFILE}': recorded as a profile use, which is not run`,
        ),
      }),
    );
  });

  it('lists the uses on the profile, and counts them in the profile list', async () => {
    const p = await ok('GET', `/api/v1/profiles/${PROFILE}`);
    expect(p).toMatchObject({ id: PROFILE, packId: 'Fabrikam.SQL.Monitoring', workflows: [], useCount: 4 });
    expect(p.uses).toHaveLength(4);
    expect(p.uses[0].packId).toBe('Fabrikam.SQL.Monitoring');
    const priv = (await ok('GET', '/api/v1/profiles?packId=System.Library')).items.find(
      (x: { id: string }) => x.id === 'System.PrivilegedMonitoringAccount',
    );
    expect(priv.useCount).toBe(1);
  });

  it('completes the waiting uses when the missing pack is imported', async () => {
    const r = await ok('POST', '/api/v1/packs', { content: DISCOVERY });
    expect(r.completed).toEqual(['Fabrikam.SQL.Monitoring']);
    const pack = await ok('GET', '/api/v1/packs/Fabrikam.SQL.Monitoring');
    expect(pack.skipped.filter((s: { missingPack?: string }) => s.missingPack)).toEqual([]);
    expect(pack.profileUses).toHaveLength(5);
  });

  it('counts the uses in findings and suggested distribution, and gives no health service them to run', async () => {
    const computer = (await ok('POST', '/api/v1/computers', { name: 'sql01.fabrikam.test' })).id as string;
    const engine = await ok('POST', '/api/v1/objects', {
      classId: 'Fabrikam.Test.SQLServer.DBEngine',
      hostId: computer,
      name: 'MSSQLSERVER',
      properties: { InstanceName: 'MSSQLSERVER' },
    });
    const account = (
      await ok('POST', '/api/v1/accounts', {
        name: 'fabrikam-sql',
        credential: { type: 'windows', userName: 'sqlmon', domain: 'FABRIKAM', password: 'pw-secret-1' },
      })
    ).id as string;
    await ok('POST', `/api/v1/profiles/${PROFILE}/associations`, { accountId: account });

    const findings = (await ok('GET', '/api/v1/findings?kind=not-distributed')).items;
    expect(findings).toContainEqual(
      expect.objectContaining({
        id: `not-distributed:${account}`,
        subject: { accountId: account, healthServices: [computer], objects: 1 },
      }),
    );
    const unused = (await ok('GET', '/api/v1/findings?kind=unused-profile')).items;
    expect(unused.map((f: { subject: { profileId?: string } }) => f.subject.profileId)).not.toContain(
      PROFILE,
    );
    const suggested = await ok('GET', `/api/v1/accounts/${account}/distribution/suggested`);
    expect(suggested.suggested).toEqual([computer]);
    const explained = await ok('GET', `/api/v1/explain?profile=${PROFILE}&object=${engine.id}`);
    expect(explained.resolution).toMatchObject({ kind: 'not-distributed', accountId: account });

    const config = await ok('GET', `/api/v1/health-services/${computer}/config`);
    expect(config.entries.map((e: { workflowId: string }) => e.workflowId)).toEqual([]);
  });

  it('round trip: exported and imported into a fresh server, the uses are the same', async () => {
    const fresh = await createTestApp();
    try {
      for (const id of ['Fabrikam.Test.SQLServer.Discovery', 'Fabrikam.SQL.Monitoring']) {
        const exported = await ok('GET', `/api/v1/packs/${id}/export`);
        const r = await call('POST', '/api/v1/packs', { content: exported.content }, fresh);
        expect(r.status).toBe(201);
      }
      const here = await ok('GET', '/api/v1/packs/Fabrikam.SQL.Monitoring');
      const there = await ok('GET', '/api/v1/packs/Fabrikam.SQL.Monitoring', undefined, fresh);
      expect(there.profileUses).toEqual(here.profileUses);
      expect(there.skipped).toEqual(here.skipped);
      expect((await ok('GET', `/api/v1/profiles/${PROFILE}`, undefined, fresh)).uses).toEqual(
        (await ok('GET', `/api/v1/profiles/${PROFILE}`)).uses,
      );
    } finally {
      await fresh.close();
    }
  });

  it('imports VSAE build output (obj/…): a byte order mark, build attributes, Resources listed as skipped', async () => {
    const bytes = readFileSync(
      new URL('../fixtures/packs/scom/obj/Debug/fabrikam-vsae.xml', import.meta.url),
    );
    const r = await call('POST', '/api/v1/packs', {
      content: bytes.toString('base64'),
      contentEncoding: 'base64',
    });
    expect(r.status).toBe(201);
    expect(r.body.pack.profileUses).toEqual([
      {
        elementId: 'Fabrikam.Vsae.Build.Poll',
        elementKind: 'Rule',
        profileId: 'Fabrikam.Vsae.Build.ServiceAccount',
        targetClassId: 'Fabrikam.Vsae.Build.Service',
        path: "ManagementPack/Monitoring/Rules/Rule[@ID='Fabrikam.Vsae.Build.Poll']/DataSources/DataSource[@ID='DS']/@RunAs",
        via: null,
        how: 'run-as',
      },
    ]);
    expect(r.body.pack.skipped).toContainEqual(
      expect.objectContaining({
        path: "ManagementPack/Resources/Assembly[@ID='Fabrikam.Vsae.Build.Probes']",
        kind: 'Assembly',
      }),
    );
  });

  it('refuses GET /api/v1/profiles/:id to roles without profiles.read', async () => {
    for (const role of ['operator', 'advanced-operator', 'read-only-operator'] as const) {
      const r = await call('GET', `/api/v1/profiles/${PROFILE}`, undefined, t, await t.tokenFor(role));
      expect(r.status).toBe(403);
    }
    expect(
      (await call('GET', `/api/v1/profiles/${PROFILE}`, undefined, t, await t.tokenFor('author'))).status,
    ).toBe(200);
  });
});
