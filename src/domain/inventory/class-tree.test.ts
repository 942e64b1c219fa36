// Proves the class tree answers ancestors, descendants, isA and inherited properties, for hand-made and random trees.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassNode, createClassTree } from './class-tree.js';

const node = (id: string, baseClassId: string | null, extra: Partial<ClassNode> = {}): ClassNode => ({
  id,
  baseClassId,
  abstract: false,
  keyProperties: [],
  properties: [],
  ...extra,
});

const tree = createClassTree([
  node('System.Entity', null, { abstract: true }),
  node('System.Computer', 'System.Entity', { properties: [{ name: 'dnsName', type: 'string' }] }),
  node('Windows.Computer', 'System.Computer', { properties: [{ name: 'osVersion', type: 'string' }] }),
  node('SQL.Server.Instance', 'System.Entity', {
    keyProperties: ['instanceName'],
    properties: [{ name: 'instanceName', type: 'string' }],
  }),
  node('SQL.Server.Instance.Clustered', 'SQL.Server.Instance'),
]);

describe('class tree', () => {
  it('lists a class and its bases up to System.Entity', () => {
    expect(tree.ancestors('Windows.Computer')).toEqual([
      'Windows.Computer',
      'System.Computer',
      'System.Entity',
    ]);
  });

  it('lists a class and every class derived from it', () => {
    expect(tree.descendants('System.Computer').sort()).toEqual(['System.Computer', 'Windows.Computer']);
    expect(tree.descendants('System.Entity')).toHaveLength(5);
    expect(tree.descendants('No.Such.Class')).toEqual([]);
  });

  it('says a derived class is a base class but not the other way round', () => {
    expect(tree.isA('SQL.Server.Instance.Clustered', 'SQL.Server.Instance')).toBe(true);
    expect(tree.isA('SQL.Server.Instance', 'SQL.Server.Instance.Clustered')).toBe(false);
    expect(tree.isA('Windows.Computer', 'SQL.Server.Instance')).toBe(false);
  });

  it('inherits properties and key properties from base classes, the most basic first', () => {
    expect(tree.allProperties('Windows.Computer').map((p) => p.name)).toEqual(['dnsName', 'osVersion']);
    expect(tree.allKeyProperties('SQL.Server.Instance.Clustered')).toEqual(['instanceName']);
  });

  it('stops walking up at a base that repeats, instead of looping', () => {
    const loop = createClassTree([node('A', 'B'), node('B', 'A')]);
    expect(loop.ancestors('A')).toEqual(['A', 'B']);
    expect(loop.descendants('A').sort()).toEqual(['A', 'B']);
  });

  it('agrees for random trees: a is in descendants(b) exactly when isA(a, b)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (parents) => {
        // Class i+1 derives from a class with a smaller number, so the input is always a tree.
        const classes = [node('C0', null), ...parents.map((p, i) => node(`C${i + 1}`, `C${p % (i + 1)}`))];
        const t = createClassTree(classes);
        for (const a of classes) {
          for (const b of classes) {
            expect(t.descendants(b.id).includes(a.id)).toBe(t.isA(a.id, b.id));
          }
          expect(t.ancestors(a.id).at(-1)).toBe('C0');
        }
      }),
    );
  });
});
