// Proves transitive profile uses across packs: a workflow or module type of pack B built from a module type of a
// referenced pack A that runs as a profile (directly or through A's own module types) uses that profile; a module
// type of A that runs as nothing gives no use; and the uses are listed by the profile. Importing, upgrading or
// deleting A looks B's uses through A's module types up again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';

const manifest = (id: string, refs: string) => `<?xml version="1.0" encoding="utf-8"?>
<ManagementPack SchemaVersion="2.0" ContentReadable="true">
  <Manifest>
    <Identity><ID>${id}</ID><Version>1.0.0.0</Version></Identity>
    <Name>${id}</Name>
    <References>
      <Reference Alias="System"><ID>System.Library</ID><Version>7.5.8501.0</Version><PublicKeyToken>31bf3856ad364e35</PublicKeyToken></Reference>
      <Reference Alias="Windows"><ID>Microsoft.Windows.Library</ID><Version>7.5.8501.0</Version><PublicKeyToken>31bf3856ad364e35</PublicKeyToken></Reference>
      ${refs}
    </References>
  </Manifest>`;

/** Pack A: a profile, a data source that runs as it, a probe built from that data source, and a plain probe. */
const library = (
  version: string,
  stateRunsAs: boolean,
  plainRunsAs?: string,
) => `${manifest('Northwind.Library', '').replace('<Version>1.0.0.0</Version></Identity>', `<Version>${version}</Version></Identity>`)}
  <TypeDefinitions>
    <SecureReferences>
      <SecureReference ID="Northwind.Library.ReaderProfile" Accessibility="Public" Context="System!System.Entity" />
    </SecureReferences>
    <ModuleTypes>
      <DataSourceModuleType ID="Northwind.Library.StateSource" Accessibility="Public"${stateRunsAs ? ' RunAs="Northwind.Library.ReaderProfile"' : ''}>
        <Configuration />
        <ModuleImplementation><Managed><Assembly>Northwind</Assembly><Type>Northwind.State</Type></Managed></ModuleImplementation>
        <OutputType>System!System.PropertyBagData</OutputType>
      </DataSourceModuleType>
      <DataSourceModuleType ID="Northwind.Library.WrappedSource" Accessibility="Public">
        <Configuration />
        <ModuleImplementation>
          <Composite>
            <MemberModules><DataSource ID="Inner" TypeID="Northwind.Library.StateSource" /></MemberModules>
            <Composition><Node ID="Inner" /></Composition>
          </Composite>
        </ModuleImplementation>
        <OutputType>System!System.PropertyBagData</OutputType>
      </DataSourceModuleType>
      <ProbeActionModuleType ID="Northwind.Library.PlainProbe" Accessibility="Public"${plainRunsAs ? ` RunAs="${plainRunsAs}"` : ''}>
        <Configuration />
        <ModuleImplementation><Managed><Assembly>Northwind</Assembly><Type>Northwind.Plain</Type></Managed></ModuleImplementation>
        <OutputType>System!System.PropertyBagData</OutputType>
      </ProbeActionModuleType>
    </ModuleTypes>
  </TypeDefinitions>
</ManagementPack>
`;
const LIBRARY = library('1.0.0.0', true);

const NW = `<Reference Alias="NW"><ID>Northwind.Library</ID><Version>1.0.0.0</Version><PublicKeyToken>31bf3856ad364e35</PublicKeyToken></Reference>`;

/** Pack B: a rule on A's data source, a module type on A's wrapped source used by a monitor, and a rule on the plain probe. */
const CHECKS = `${manifest('Northwind.Checks', NW)}
  <TypeDefinitions>
    <ModuleTypes>
      <DataSourceModuleType ID="Northwind.Checks.LocalSource" Accessibility="Internal">
        <Configuration />
        <ModuleImplementation>
          <Composite>
            <MemberModules><DataSource ID="Wrapped" TypeID="NW!Northwind.Library.WrappedSource" /></MemberModules>
            <Composition><Node ID="Wrapped" /></Composition>
          </Composite>
        </ModuleImplementation>
        <OutputType>System!System.PropertyBagData</OutputType>
      </DataSourceModuleType>
    </ModuleTypes>
  </TypeDefinitions>
  <Monitoring>
    <Rules>
      <Rule ID="Northwind.Checks.CollectState" Enabled="true" Target="Windows!Microsoft.Windows.Computer">
        <Category>Operations</Category>
        <DataSources><DataSource ID="DS" TypeID="NW!Northwind.Library.StateSource" /></DataSources>
        <WriteActions><WriteAction ID="Store" TypeID="System!System.CollectionWriteAction" /></WriteActions>
      </Rule>
      <Rule ID="Northwind.Checks.Plain" Enabled="true" Target="Windows!Microsoft.Windows.Computer">
        <Category>Operations</Category>
        <DataSources><DataSource ID="DS" TypeID="NW!Northwind.Library.PlainProbe" /></DataSources>
        <WriteActions><WriteAction ID="Store" TypeID="System!System.CollectionWriteAction" /></WriteActions>
      </Rule>
    </Rules>
    <Tasks>
      <Task ID="Northwind.Checks.ReadState" Accessibility="Public" Enabled="true" Target="System!System.Computer">
        <Category>Maintenance</Category>
        <ProbeAction ID="Read" TypeID="Northwind.Checks.LocalSource" />
      </Task>
    </Tasks>
  </Monitoring>
</ManagementPack>
`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function call(method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: t.adminToken, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

const PROFILE = 'Northwind.Library.ReaderProfile';
const RULE = "ManagementPack/Monitoring/Rules/Rule[@ID='Northwind.Checks.CollectState']";
const LOCAL =
  "ManagementPack/TypeDefinitions/ModuleTypes/DataSourceModuleType[@ID='Northwind.Checks.LocalSource']";

describe('profile uses through module types of referenced packs', () => {
  it('records the uses of pack B that come from pack A, directly and through module types of both', async () => {
    expect((await call('POST', '/api/v1/packs', { content: LIBRARY })).status).toBe(201);
    const r = await call('POST', '/api/v1/packs', { content: CHECKS });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const uses = (await call('GET', '/api/v1/packs/Northwind.Checks')).body.profileUses;
    expect(uses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          elementId: 'Northwind.Checks.CollectState',
          elementKind: 'Rule',
          profileId: PROFILE,
          targetClassId: 'Microsoft.Windows.Computer',
          path: `${RULE}/DataSources/DataSource[@ID='DS']/@TypeID`,
          via: 'Northwind.Library.StateSource',
        }),
        expect.objectContaining({
          elementId: 'Northwind.Checks.LocalSource',
          elementKind: 'DataSourceModuleType',
          profileId: PROFILE,
          targetClassId: null,
          via: 'Northwind.Library.WrappedSource',
        }),
        expect.objectContaining({
          elementId: 'Northwind.Checks.ReadState',
          elementKind: 'Task',
          profileId: PROFILE,
          targetClassId: 'System.Computer',
          path: `${LOCAL}/ModuleImplementation/Composite/MemberModules/DataSource[@ID='Wrapped']/@TypeID`,
          via: 'Northwind.Library.WrappedSource',
        }),
      ]),
    );
    // A module type of A that runs as nothing gives no use.
    expect(uses.map((u: { elementId: string }) => u.elementId)).not.toContain('Northwind.Checks.Plain');
    expect(uses).toHaveLength(3);

    const shown = (await call('GET', `/api/v1/profiles/${PROFILE}`)).body;
    const users = shown.uses.map((u: { packId: string; elementId: string }) => `${u.packId}/${u.elementId}`);
    expect(users).toEqual(
      expect.arrayContaining([
        'Northwind.Checks/Northwind.Checks.CollectState',
        'Northwind.Checks/Northwind.Checks.LocalSource',
        'Northwind.Checks/Northwind.Checks.ReadState',
        'Northwind.Library/Northwind.Library.StateSource',
        'Northwind.Library/Northwind.Library.WrappedSource',
      ]),
    );
  });
});

describe("B's uses through A's module types follow A", () => {
  let u: TestApp;
  beforeAll(async () => {
    u = await createTestApp();
  });
  afterAll(() => u.close());
  async function send(method: string, url: string, body?: unknown) {
    const res = await u.request({ method, url, token: u.adminToken, body });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  }
  const usesOfChecks = async () =>
    (
      (await send('GET', '/api/v1/packs/Northwind.Checks')).body.profileUses as {
        elementId: string;
        via: string;
      }[]
    )
      .map((x) => `${x.elementId} via ${x.via}`)
      .sort();
  const auditOf = async (kind: string) =>
    (await send('GET', `/api/v1/audit?kind=${kind}&limit=50`)).body.items as {
      target: string;
      details: Record<string, unknown>;
    }[];

  it('appear when A is imported after B, change when A is upgraded, and go when A is deleted', async () => {
    // B first, without A: nothing of B runs as A's profile yet.
    const first = await send('POST', '/api/v1/packs', { content: CHECKS });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await usesOfChecks()).toEqual([]);

    // A imported: B's uses through A's module types appear, audited on B.
    expect((await send('POST', '/api/v1/packs', { content: LIBRARY })).status).toBe(201);
    expect(await usesOfChecks()).toEqual([
      'Northwind.Checks.CollectState via Northwind.Library.StateSource',
      'Northwind.Checks.LocalSource via Northwind.Library.WrappedSource',
      'Northwind.Checks.ReadState via Northwind.Library.WrappedSource',
    ]);
    const shown = (await send('GET', `/api/v1/profiles/${PROFILE}`)).body.uses as { packId: string }[];
    expect(shown.filter((x) => x.packId === 'Northwind.Checks')).toHaveLength(3);

    // A upgraded: its data source no longer runs as its profile; its plain probe now runs as SCOM's privileged one.
    const upgraded = await send('POST', '/api/v1/packs', {
      content: library('1.0.0.1', false, 'System!System.PrivilegedMonitoringAccount'),
    });
    expect(upgraded.status, JSON.stringify(upgraded.body)).toBe(200);
    expect(await usesOfChecks()).toEqual(['Northwind.Checks.Plain via Northwind.Library.PlainProbe']);
    expect((await send('GET', `/api/v1/profiles/${PROFILE}`)).body.uses).toEqual([]);
    const privilegedUses = async () =>
      (
        (await send('GET', '/api/v1/profiles/System.PrivilegedMonitoringAccount')).body.uses as {
          packId: string;
          elementId: string;
        }[]
      ).map((x) => `${x.packId}/${x.elementId}`);
    expect(await privilegedUses()).toEqual([
      'Northwind.Checks/Northwind.Checks.Plain',
      'Northwind.Library/Northwind.Library.PlainProbe',
    ]);
    const refreshes = async () =>
      (await auditOf('pack.profile-uses'))
        .filter((a) => a.target === 'Northwind.Checks' && a.details.referencedPack === 'Northwind.Library')
        .map((a) => [a.details.added, a.details.removed]);
    expect(await refreshes()).toEqual([
      [3, 0],
      [1, 3],
    ]);

    // Importing B again changes nothing: its stored uses are already the ones it would get.
    const again = await send('POST', '/api/v1/packs', { content: CHECKS });
    expect(again.body.outcome).toBe('unchanged');

    // A deleted: the use through its module type goes with it.
    expect((await send('DELETE', '/api/v1/packs/Northwind.Library')).status).toBe(200);
    expect(await usesOfChecks()).toEqual([]);
    expect(await privilegedUses()).toEqual([]);
    expect((await refreshes()).at(-1)).toEqual([0, 1]);
  });
});
