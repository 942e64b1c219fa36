// Proves SCOM XML conversion: classes, hosting relationships and secure references come in; modules, workflows and views are listed as skipped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePackSource, sniffFormat } from './pack-source.js';
import { convertScomXml } from './scom-xml.js';

const xml = readFileSync(new URL('../../../test/fixtures/packs/contoso-sql.xml', import.meta.url), 'utf8');

describe('convertScomXml', () => {
  it('maps the manifest, classes, relationships and secure references, keeping SCOM library ids as they are', () => {
    const r = convertScomXml(xml);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.document).toMatchObject({
      id: 'Contoso.SQL',
      version: '1.0.2.0',
      displayName: 'Contoso SQL Server',
      sealed: true,
      references: [
        { id: 'System.Library', alias: 'System', minVersion: '7.5.8501.0' },
        { id: 'Microsoft.Windows.Library', alias: 'Windows', minVersion: '7.5.8501.0' },
      ],
    });
    expect(r.document.classes).toContainEqual(
      expect.objectContaining({
        id: 'Contoso.SQL.Instance',
        displayName: 'Contoso SQL Instance',
        baseClass: 'Microsoft.Windows.LocalApplication',
        hosted: true,
        properties: [
          { name: 'InstanceName', type: 'string', key: true },
          { name: 'Edition', type: 'string', key: false },
          { name: 'Port', type: 'int', key: false },
        ],
      }),
    );
    expect(r.document.classes?.find((c) => c.id === 'Contoso.SQL.Component')).toMatchObject({
      abstract: true,
      baseClass: 'System.LogicalEntity',
    });
    expect(r.document.relationships).toEqual([
      {
        id: 'Contoso.SQL.InstanceHostsDatabase',
        kind: 'hosting',
        source: 'Contoso.SQL.Instance',
        target: 'Contoso.SQL.Database',
      },
      {
        id: 'Contoso.SQL.ComputerReferencesInstance',
        kind: 'reference',
        source: 'Microsoft.Windows.Computer',
        target: 'Contoso.SQL.Instance',
      },
    ]);
    expect(r.document.profiles).toEqual([
      {
        id: 'Contoso.SQL.MonitoringAccount',
        displayName: 'Contoso SQL Monitoring Account',
        description: 'Reads the SQL catalogue views.',
        contextClass: 'Contoso.SQL.Instance',
      },
      {
        id: 'Contoso.SQL.DiscoveryAccount',
        description: 'Reads the registry to find instances.',
        contextClass: 'Microsoft.Windows.Computer',
      },
    ]);
  });

  it('lists every element it does not import, with where and why', () => {
    const r = convertScomXml(xml);
    if (!r.ok) throw new Error('conversion failed');
    expect(r.skipped.map((s) => `${s.kind} ${s.path}`)).toEqual([
      "DataSourceModuleType ManagementPack/TypeDefinitions/ModuleTypes/DataSourceModuleType[@ID='Contoso.SQL.Discovery.DataSource']",
      "ProbeActionModuleType ManagementPack/TypeDefinitions/ModuleTypes/ProbeActionModuleType[@ID='Contoso.SQL.Probe.Query']",
      "EnumerationValue ManagementPack/TypeDefinitions/EntityTypes/EnumerationTypes/EnumerationValue[@ID='Contoso.SQL.RecoveryModel']",
      "Discovery ManagementPack/Monitoring/Discoveries/Discovery[@ID='Contoso.SQL.Instance.Discovery']",
      "Rule ManagementPack/Monitoring/Rules/Rule[@ID='Contoso.SQL.CollectConnections']",
      "UnitMonitor ManagementPack/Monitoring/Monitors/UnitMonitor[@ID='Contoso.SQL.Database.Status']",
      "Task ManagementPack/Monitoring/Tasks/Task[@ID='Contoso.SQL.Instance.Restart']",
      "View ManagementPack/Presentation/Views/View[@ID='Contoso.SQL.Instances.View']",
      "Reference ManagementPack/Manifest/References/Reference[@Alias='Health']",
    ]);
    expect(r.skipped.every((s) => s.reason.length > 10)).toBe(true);
  });

  it('refuses XML that is not well formed, has a DOCTYPE, or is not a management pack', () => {
    for (const bad of [
      '<ManagementPack><Manifest>',
      '<!DOCTYPE x [<!ENTITY a "b">]><ManagementPack/>',
      '<Other/>',
    ]) {
      const r = convertScomXml(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues[0]!.path).toBe('body.content');
    }
  });

  it('names an undeclared alias by its XML place', () => {
    const r = convertScomXml(xml.replace('Base="System!System.Database"', 'Base="Nope!System.Database"'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toEqual([
        {
          path: "ManagementPack/TypeDefinitions/EntityTypes/ClassTypes/ClassType[@ID='Contoso.SQL.Database']/@Base",
          message: "alias 'Nope' is not declared in Manifest/References",
        },
      ]);
    }
  });

  it('reports schema problems at their XML place', () => {
    const r = parsePackSource(xml.replace('<Version>1.0.2.0</Version>', '<Version>one</Version>'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.path).toBe('ManagementPack/Manifest/Identity/Version');
  });
});

describe('sniffFormat', () => {
  it('tells XML, JSON and YAML apart by the first character', () => {
    expect(sniffFormat('\uFEFF  <?xml version="1.0"?>')).toBe('scom-xml');
    expect(sniffFormat('\n{ "id": "X" }')).toBe('json');
    expect(sniffFormat('id: X')).toBe('yaml');
  });
});
