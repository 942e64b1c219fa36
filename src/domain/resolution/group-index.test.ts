// Proves the group index: explicit and rule membership, containment through nesting and hosts, and what a
// group change or a property change reports for recomputation.
import { describe, expect, it } from 'vitest';
import { createClassIndex } from './class-index.js';
import { createGroupIndex, sameSet } from './group-index.js';
import type { GroupDef, ObjectDef } from './model.js';
import { createObjectIndex } from './object-index.js';

const obj = (id: string, classId: string, hostId: string | null, tier = 0): ObjectDef => ({
  id,
  classId,
  hostId,
  name: id,
  displayName: id,
  properties: { tier },
});

function setup(groupDefs: GroupDef[]) {
  const classes = createClassIndex(
    [
      { id: 'Entity', baseClassId: null },
      { id: 'Computer', baseClassId: 'Entity' },
      { id: 'Db', baseClassId: 'Entity' },
      { id: 'Db.Sql', baseClassId: 'Db' },
    ],
    [],
  );
  const objects = createObjectIndex(classes);
  const groups = createGroupIndex(classes, objects, groupDefs);
  // Hosts first, as the engine inserts them.
  for (const d of [
    obj('cmp', 'Computer', null),
    obj('db1', 'Db.Sql', 'cmp', 1),
    obj('db2', 'Db', 'cmp', 2),
    obj('tbl', 'Entity', 'db1'),
  ]) {
    const o = objects.insert(d);
    groups.place(o);
    o.containing = groups.containingOf(o);
  }
  /** Recomputes containment as the resolver does: hosts first, then what they host. */
  // As the resolver does: hosts first, and what an object hosts after it whenever its set changed.
  const recontain = (ids: Iterable<string>) => {
    const queue = [...ids].sort((a, b) => objects.depth(a) - objects.depth(b));
    for (let i = 0; i < queue.length; i++) {
      const o = objects.get(queue[i]!)!;
      const next = groups.containingOf(o);
      if (sameSet(next, o.containing)) continue;
      o.containing = next;
      for (const c of o.children ?? []) queue.push(c.def.id);
    }
  };
  const containing = (id: string) => [...objects.get(id)!.containing].sort();
  return { objects, groups, recontain, containing };
}

const tier1 = { classId: 'Db', conditions: [{ property: 'tier', op: 'eq' as const, value: 1 }] };

describe('group index', () => {
  it('holds explicit members and rule matches of derived classes directly', () => {
    const { objects } = setup([
      { id: 'G.explicit', members: ['db2'], rules: [], subgroups: [] },
      { id: 'G.rule', members: [], rules: [tier1], subgroups: [] },
    ]);
    expect(objects.get('db1')!.direct).toEqual(['G.rule']);
    expect(objects.get('db2')!.direct).toEqual(['G.explicit']);
    expect(objects.get('cmp')!.direct).toEqual([]);
  });

  it('contains what a member hosts, and a member of a nested group in the outer group', () => {
    const { containing, groups } = setup([
      { id: 'G.inner', members: ['db1'], rules: [], subgroups: [] },
      { id: 'G.outer', members: [], rules: [], subgroups: ['G.inner'] },
    ]);
    expect(containing('db1')).toEqual(['G.inner', 'G.outer']);
    expect(containing('tbl')).toEqual(['G.inner', 'G.outer']);
    expect(containing('db2')).toEqual([]);
    expect(groups.members('G.outer')).toEqual(['db1', 'tbl']);
  });

  it('terminates on nesting cycles and ignores a missing subgroup', () => {
    const { containing, groups } = setup([
      { id: 'G.a', members: ['db2'], rules: [], subgroups: ['G.b', 'G.missing'] },
      { id: 'G.b', members: [], rules: [], subgroups: ['G.a'] },
    ]);
    expect(containing('db2')).toEqual(['G.a', 'G.b']);
    expect(groups.members('G.b')).toEqual(['db2']);
  });

  it('reports the objects that left or joined when a rule changes (what they host follows them), and updates their direct groups', () => {
    const { objects, groups, recontain, containing } = setup([
      { id: 'G.rule', members: [], rules: [tier1], subgroups: [] },
    ]);
    const affected = groups.set({
      id: 'G.rule',
      members: [],
      rules: [{ classId: 'Db', conditions: [{ property: 'tier', op: 'eq', value: 2 }] }],
      subgroups: [],
    });
    expect([...affected].sort()).toEqual(['db1', 'db2']);
    expect(objects.get('db1')!.direct).toEqual([]);
    expect(objects.get('db2')!.direct).toEqual(['G.rule']);
    recontain(affected);
    expect(containing('tbl')).toEqual([]);
    expect(containing('db2')).toEqual(['G.rule']);
  });

  it('reports every member, before and after, when the nesting changes', () => {
    const { groups, recontain, containing } = setup([
      { id: 'G.inner', members: ['db1'], rules: [], subgroups: [] },
      { id: 'G.outer', members: ['db2'], rules: [], subgroups: ['G.inner'] },
    ]);
    const affected = groups.set({ id: 'G.outer', members: ['db2'], rules: [], subgroups: [] });
    expect([...affected].sort()).toEqual(['db1', 'db2', 'tbl']);
    recontain(affected);
    expect(containing('tbl')).toEqual(['G.inner']);
    expect(containing('db2')).toEqual(['G.outer']);
    // The same nesting again: no member joined or left.
    expect(groups.set({ id: 'G.outer', members: ['db2'], rules: [], subgroups: [] })).toEqual(new Set());
  });

  it('re-evaluates rules when an object changes, and says whether its direct groups changed', () => {
    const { objects, groups } = setup([{ id: 'G.rule', members: [], rules: [tier1], subgroups: [] }]);
    const db2 = objects.get('db2')!;
    expect(groups.replace(db2)).toBe(false);
    db2.def = { ...db2.def, properties: { tier: 1 } };
    expect(groups.replace(db2)).toBe(true);
    expect(db2.direct).toEqual(['G.rule']);
    expect(groups.members('G.rule').sort()).toEqual(['db1', 'db2', 'tbl']);
  });

  it('reports what a removed group contained and forgets it', () => {
    const { objects, groups } = setup([{ id: 'G.x', members: ['db1'], rules: [], subgroups: [] }]);
    expect(groups.remove('G.x')).toEqual(new Set(['db1', 'tbl']));
    expect(objects.get('db1')!.direct).toEqual([]);
    expect(groups.members('G.x')).toEqual([]);
    expect(groups.remove('G.x')).toEqual(new Set());
  });
});
