// Proves pack validation: duplicate ids, base classes and cycles, references (imported, sealed, new enough, acyclic), properties and groups.
import { describe, expect, it } from 'vitest';
import { type PackDocument, type PackDocumentInput, packDocumentSchema } from './pack-document.js';
import { normalizePack } from './pack-elements.js';
import { findOwnershipConflicts, type PackWorld, validatePack } from './pack-validation.js';

const world = (extra: Partial<PackWorld> = {}): PackWorld => ({
  packs: new Map([
    ['Steward.Library', { version: '1.0.0', sealed: true, references: [] }],
    ['Draft.Pack', { version: '1.0', sealed: false, references: [] }],
    ['Uses.Mine', { version: '1.0', sealed: true, references: ['Mine'] }],
  ]),
  classes: new Map([
    ['System.Entity', { packId: 'Steward.Library', baseClassId: null, properties: [] }],
    ['System.Computer', { packId: 'Steward.Library', baseClassId: 'System.Entity', properties: ['dnsName'] }],
    ['Draft.Thing', { packId: 'Draft.Pack', baseClassId: 'System.Entity', properties: [] }],
  ]),
  relationships: new Map(),
  groups: new Map([['Other.Group', { packId: null }]]),
  profiles: new Map([['Steward.DefaultActionAccount', { packId: 'Steward.Library' }]]),
  workflows: new Map(),
  ...extra,
});

const lib = { id: 'Steward.Library', minVersion: '1.0' };
const doc = (d: Partial<PackDocumentInput>): PackDocument =>
  packDocumentSchema.parse({ id: 'Mine', version: '1.0', references: [lib], ...d });

const paths = (d: PackDocument, w = world()) => validatePack(d, w).map((i) => i.path);

describe('validatePack', () => {
  it('accepts a pack whose every name resolves', () => {
    const d = doc({
      classes: [{ id: 'Mine.Server', baseClass: 'System.Computer', properties: [{ name: 'role' }] }],
      profiles: [{ id: 'Mine.Account', contextClass: 'Mine.Server' }],
      groups: [
        {
          id: 'Mine.Web',
          rules: [
            { classId: 'Mine.Server', conditions: [{ property: 'dnsName', op: 'like', value: 'web*' }] },
          ],
        },
      ],
      workflows: [
        {
          id: 'Mine.Check',
          kind: 'monitor',
          target: 'Mine.Server',
          runAs: 'Mine.Account',
          action: { type: 'command', command: ['check'] },
          schedule: { intervalSeconds: 60 },
        },
      ],
    });
    expect(validatePack(d, world())).toEqual([]);
  });

  it('requires a base class for every class but System.Entity of System.Library', () => {
    expect(paths(doc({ classes: [{ id: 'Mine.Root' }] }))).toEqual(['pack.classes[0].baseClass']);
    const notRoot = packDocumentSchema.parse({
      id: 'Steward.Library',
      version: '1.0',
      classes: [{ id: 'System.Entity' }],
    });
    expect(validatePack(notRoot, world()).map((i) => i.path)).toEqual(['pack.classes[0].baseClass']);
    const library = packDocumentSchema.parse({
      id: 'System.Library',
      version: '1.0',
      classes: [{ id: 'System.Entity' }],
    });
    const w = world({ packs: new Map(), classes: new Map(), profiles: new Map() });
    expect(validatePack(library, w)).toEqual([]);
  });

  it('finds a base-class cycle inside the pack', () => {
    const d = doc({
      classes: [
        { id: 'Mine.A', baseClass: 'Mine.B' },
        { id: 'Mine.B', baseClass: 'Mine.A' },
      ],
    });
    expect(paths(d)).toEqual(['pack.classes[0].baseClass', 'pack.classes[1].baseClass']);
  });

  it('refuses an inherited property declared again', () => {
    const d = doc({
      classes: [{ id: 'Mine.Server', baseClass: 'System.Computer', properties: [{ name: 'dnsName' }] }],
    });
    expect(validatePack(d, world())).toEqual([
      {
        path: 'pack.classes[0].properties[0].name',
        message: "property 'dnsName' is already defined by 'System.Computer'",
      },
    ]);
  });

  it('reports ids declared twice across element kinds', () => {
    const d = doc({
      classes: [{ id: 'Mine.X', baseClass: 'System.Entity' }],
      profiles: [{ id: 'Mine.X', contextClass: 'Mine.X' }],
    });
    expect(paths(d)).toEqual(['pack.profiles[0].id']);
  });

  it('refuses references to unsealed, missing, too old, or depending packs', () => {
    const d = doc({
      references: [
        lib,
        { id: 'Draft.Pack', minVersion: '1.0' },
        { id: 'Nowhere', minVersion: '1.0' },
        { id: 'Uses.Mine', minVersion: '1.0' },
        { id: 'Mine', minVersion: '1.0' },
      ],
    });
    const issues = validatePack(d, world());
    expect(issues.map((i) => i.path)).toEqual([
      'pack.references[1].id',
      'pack.references[2].id',
      'pack.references[3].id',
      'pack.references[4].id',
    ]);
    expect(issues[0]!.message).toContain('not sealed');
    expect(issues[2]!.message).toContain('cycle');
    const old = validatePack(doc({ references: [{ id: 'Steward.Library', minVersion: '1.0.1' }] }), world());
    expect(old).toEqual([
      {
        path: 'pack.references[0].minVersion',
        message: "pack 'Steward.Library' is imported at version 1.0.0, older than the required 1.0.1",
      },
    ]);
  });

  it('refuses elements of packs that are not referenced', () => {
    const d = doc({ references: [], profiles: [{ id: 'Mine.P', contextClass: 'System.Computer' }] });
    expect(validatePack(d, world())[0]!.message).toBe(
      "class 'System.Computer' belongs to pack 'Steward.Library'; list 'Steward.Library' in references",
    );
  });

  it('checks group rules against class properties and subgroups for cycles', () => {
    const d = doc({
      groups: [
        { id: 'Mine.G1', subgroups: ['Mine.G2'] },
        { id: 'Mine.G2', subgroups: ['Mine.G1', 'Other.Group'] },
        {
          id: 'Mine.G3',
          rules: [{ classId: 'System.Computer', conditions: [{ property: 'nope', op: 'exists' }] }],
        },
      ],
    });
    expect(paths(d)).toEqual([
      'pack.groups[0].subgroups[0]',
      'pack.groups[1].subgroups[0]',
      'pack.groups[1].subgroups[1]',
      'pack.groups[2].rules[0].conditions[0].property',
    ]);
  });
});

describe('findOwnershipConflicts', () => {
  it('flags an id owned by another pack, but not by an older version of the same pack', () => {
    const w = world({
      classes: new Map([['Mine.Old', { packId: 'Mine', baseClassId: 'System.Entity', properties: [] }]]),
    });
    const d = doc({
      classes: [
        { id: 'Mine.Old', baseClass: 'System.Entity' },
        { id: 'Steward.DefaultActionAccount', baseClass: 'System.Entity' },
      ],
    });
    expect(findOwnershipConflicts(d, w)).toEqual([
      {
        path: 'pack.classes[1].id',
        message: "'Steward.DefaultActionAccount' is already a profile owned by pack 'Steward.Library'",
      },
    ]);
  });
});

describe('normalizePack', () => {
  it('fills display names, descriptions, key properties and timeouts', () => {
    const e = normalizePack(
      doc({
        classes: [
          {
            id: 'Mine.S',
            baseClass: 'System.Entity',
            properties: [
              { name: 'n', key: true },
              { name: 'm', type: 'int' },
            ],
          },
        ],
        profiles: [{ id: 'Mine.P', contextClass: 'Mine.S' }],
        workflows: [
          { id: 'Mine.T', kind: 'task', target: 'Mine.S', action: { type: 'command', command: ['x'] } },
        ],
      }),
    );
    expect(e.classes[0]).toMatchObject({
      displayName: 'Mine.S',
      keyProperties: ['n'],
      properties: [
        { name: 'n', type: 'string' },
        { name: 'm', type: 'int' },
      ],
    });
    expect(e.profiles[0]).toMatchObject({ displayName: 'Mine.P', description: 'Mine.P' });
    expect(e.workflows[0]).toMatchObject({
      schedule: null,
      profileId: null,
      action: { timeoutSeconds: 300 },
    });
    expect(e.references).toEqual([
      { refPackId: 'Steward.Library', alias: 'Steward.Library', minVersion: '1.0' },
    ]);
  });
});

describe('SCOM libraries behind Steward.Library', () => {
  const scomWorld = () =>
    world({
      packs: new Map([
        ['System.Library', { version: '10.22.10118.0', sealed: true, references: [], builtIn: true }],
        [
          'Steward.Library',
          { version: '2.0.0', sealed: true, references: ['System.Library'], builtIn: true },
        ],
        ['Mine.Other', { version: '1.0', sealed: true, references: [] }],
      ]),
      classes: new Map([
        ['System.Entity', { packId: 'System.Library', baseClassId: null, properties: [] }],
        ['System.Computer', { packId: 'System.Library', baseClassId: 'System.Entity', properties: [] }],
        ['Other.Thing', { packId: 'Mine.Other', baseClassId: 'System.Entity', properties: [] }],
      ]),
    });

  it('lets a pack that references Steward.Library use the classes of the SCOM libraries Steward.Library references', () => {
    expect(
      paths(doc({ classes: [{ id: 'Mine.Server', baseClass: 'System.Computer' }] }), scomWorld()),
    ).toEqual([]);
  });

  it('still asks for a direct reference to a pack no referenced pack references', () => {
    const issues = validatePack(doc({ classes: [{ id: 'Mine.X', baseClass: 'Other.Thing' }] }), scomWorld());
    expect(issues).toEqual([
      {
        path: 'pack.classes[0].baseClass',
        message: "class 'Other.Thing' belongs to pack 'Mine.Other'; list 'Mine.Other' in references",
      },
    ]);
  });

  it('lets a built-in pack take a class over from another built-in pack, and nobody else', () => {
    const lib = packDocumentSchema.parse({
      id: 'System.Library',
      version: '10.22.10118.0',
      classes: [{ id: 'System.Entity' }],
    });
    const w = world({
      packs: new Map([
        ['Steward.Library', { version: '1.0.0', sealed: true, references: [], builtIn: true }],
      ]),
    });
    expect(findOwnershipConflicts(lib, w, undefined, true)).toEqual([]);
    expect(findOwnershipConflicts(lib, w).map((i) => i.message)).toEqual([
      "'System.Entity' is already a class owned by pack 'Steward.Library'",
    ]);
  });
});
