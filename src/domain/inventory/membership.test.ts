// Proves group membership: explicit, rules with subclasses, nested (cycle-safe) groups, containment through hosting (R19).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClassNode, createClassTree } from './class-tree.js';
import { matchesAll } from './conditions.js';
import {
  createMembershipIndex,
  findSubgroupCycle,
  type GroupDefinition,
  type MemberObject,
} from './membership.js';

const cls = (id: string, baseClassId: string | null): ClassNode => ({
  id,
  baseClassId,
  abstract: false,
  keyProperties: [],
  properties: [],
});
const tree = createClassTree([
  cls('System.Entity', null),
  cls('System.Computer', 'System.Entity'),
  cls('SQL.Server.Instance', 'System.Entity'),
  cls('SQL.Server.Instance.Clustered', 'SQL.Server.Instance'),
  cls('SQL.Database', 'System.Entity'),
]);

const obj = (
  id: string,
  classId: string,
  hostId: string | null,
  properties: Record<string, unknown> = {},
): MemberObject => ({ id, classId, hostId, name: id, displayName: id, properties });

const objects = [
  obj('cmp_abc', 'System.Computer', null),
  obj('cmp_def', 'System.Computer', null),
  obj('obj_sql_abc', 'SQL.Server.Instance', 'cmp_abc', { version: '15.0' }),
  obj('obj_db_abc', 'SQL.Database', 'obj_sql_abc'),
  obj('obj_sql_def', 'SQL.Server.Instance.Clustered', 'cmp_def', { version: '16.0' }),
  obj('obj_db_def', 'SQL.Database', 'obj_sql_def'),
];
const group = (id: string, d: Partial<GroupDefinition> = {}): GroupDefinition => ({
  id,
  members: [],
  rules: [],
  subgroups: [],
  ...d,
});

describe('group membership', () => {
  it('contains everything hosted on a contained computer, directly or through a chain', () => {
    const index = createMembershipIndex({
      tree,
      objects,
      groups: [group('G.ABC', { members: ['cmp_abc'] })],
    });
    const m = index.membersOf('G.ABC');
    expect([...m.keys()].sort()).toEqual(['cmp_abc', 'obj_db_abc', 'obj_sql_abc']);
    expect(m.get('cmp_abc')).toEqual({ via: 'explicit', through: null });
    expect(m.get('obj_db_abc')).toEqual({ via: 'hosted-by', through: 'cmp_abc' });
    expect(index.groupsContaining('obj_db_abc')).toEqual(['G.ABC']);
    expect(index.groupsContaining('obj_db_def')).toEqual([]);
  });

  it('matches rules on a class and its subclasses with property conditions', () => {
    const index = createMembershipIndex({
      tree,
      objects,
      groups: [
        group('G.SQL16', {
          rules: [
            {
              classId: 'SQL.Server.Instance',
              conditions: [{ property: 'version', op: 'like', value: '16.*' }],
            },
          ],
        }),
      ],
    });
    const m = index.membersOf('G.SQL16');
    expect(m.get('obj_sql_def')).toEqual({ via: 'rule', through: null });
    expect(m.get('obj_db_def')).toEqual({ via: 'hosted-by', through: 'obj_sql_def' });
    expect(m.has('obj_sql_abc')).toBe(false);
  });

  it('includes nested groups, names the subgroup it came through, and survives a cycle', () => {
    const index = createMembershipIndex({
      tree,
      objects,
      groups: [
        group('G.Top', { subgroups: ['G.Mid'] }),
        group('G.Mid', { subgroups: ['G.Leaf'] }),
        group('G.Leaf', { members: ['obj_sql_def'], subgroups: ['G.Top'] }),
      ],
    });
    expect(index.membersOf('G.Top').get('obj_sql_def')).toEqual({ via: 'subgroup', through: 'G.Mid' });
    expect(index.membersOf('G.Top').get('obj_db_def')).toEqual({ via: 'hosted-by', through: 'obj_sql_def' });
    expect([...index.membersOf('G.Leaf').keys()].sort()).toEqual(['obj_db_def', 'obj_sql_def']);
  });

  it('prefers the strongest reason: explicit over rule over subgroup over hosted-by', () => {
    const index = createMembershipIndex({
      tree,
      objects,
      groups: [
        group('G', {
          members: ['obj_db_abc'],
          rules: [{ classId: 'SQL.Server.Instance', conditions: [] }],
          subgroups: ['S'],
        }),
        group('S', { members: ['cmp_abc', 'obj_sql_abc'] }),
      ],
    });
    const m = index.membersOf('G');
    expect(m.get('obj_db_abc')!.via).toBe('explicit');
    expect(m.get('obj_sql_abc')!.via).toBe('rule');
    expect(m.get('cmp_abc')!.via).toBe('subgroup');
  });

  it('gives an unknown group no members and ignores explicit members that no longer exist', () => {
    const index = createMembershipIndex({ tree, objects, groups: [group('G', { members: ['obj_gone'] })] });
    expect(index.membersOf('G').size).toBe(0);
    expect(index.membersOf('Nope').size).toBe(0);
  });

  it('agrees with the naive definition for random inventories and group graphs', () => {
    const classIds = [
      'System.Computer',
      'SQL.Server.Instance',
      'SQL.Server.Instance.Clustered',
      'SQL.Database',
    ];
    const arb = fc.record({
      objects: fc.array(
        fc.record({ cls: fc.nat(3), host: fc.nat(), level: fc.nat(9), hasLevel: fc.boolean() }),
        { minLength: 1, maxLength: 25 },
      ),
      groups: fc.array(
        fc.record({
          members: fc.array(fc.nat(), { maxLength: 3 }),
          rules: fc.array(fc.record({ cls: fc.nat(3), op: fc.constantFrom('gt', 'exists', 'none') }), {
            maxLength: 2,
          }),
          subgroups: fc.array(fc.nat(), { maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(arb, (input) => {
        // Object 0 is a computer; object i is hosted on an earlier object or is another computer.
        const objs: MemberObject[] = input.objects.map((o, i) => {
          const isComputer = i === 0 || o.cls === 0;
          return obj(
            `o${i}`,
            isComputer ? 'System.Computer' : classIds[o.cls]!,
            isComputer ? null : `o${o.host % i}`,
            o.hasLevel ? { level: o.level } : {},
          );
        });
        const groups: GroupDefinition[] = input.groups.map((g, i) => ({
          id: `g${i}`,
          members: g.members.map((m) => `o${m % objs.length}`),
          rules: g.rules.map((r) => ({
            classId: classIds[r.cls]!,
            conditions:
              r.op === 'gt'
                ? [{ property: 'level', op: 'gt' as const, value: 4 }]
                : r.op === 'exists'
                  ? [{ property: 'level', op: 'exists' as const }]
                  : [],
          })),
          subgroups: g.subgroups.map((s) => `g${s % input.groups.length}`),
        }));
        const index = createMembershipIndex({ tree, objects: objs, groups });
        const byId = new Map(objs.map((o) => [o.id, o]));
        const byGroup = new Map(groups.map((g) => [g.id, g]));
        const reachable = (g: string) => {
          const seen = new Set([g]);
          const stack = [g];
          while (stack.length)
            for (const s of byGroup.get(stack.pop()!)!.subgroups)
              if (!seen.has(s) && seen.add(s)) stack.push(s);
          return seen;
        };
        const selfAndHosts = (id: string) => {
          const out: MemberObject[] = [];
          for (let o = byId.get(id); o; o = o.hostId ? byId.get(o.hostId) : undefined) out.push(o);
          return out;
        };
        const directly = (h: GroupDefinition, o: MemberObject) =>
          h.members.includes(o.id) ||
          h.rules.some((r) => tree.isA(o.classId, r.classId) && matchesAll(o, r.conditions));
        for (const g of groups) {
          const got = index.membersOf(g.id);
          const hs = [...reachable(g.id)].map((h) => byGroup.get(h)!);
          for (const o of objs) {
            const naive = hs.some((h) => selfAndHosts(o.id).some((a) => directly(h, a)));
            expect(got.has(o.id)).toBe(naive);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('subgroup cycles', () => {
  const edges: Record<string, string[]> = { A: ['B'], B: ['C'], C: [], D: [] };
  const of = (id: string) => edges[id] ?? [];

  it('finds the cycle a new subgroup would close, as a path', () => {
    expect(findSubgroupCycle('C', ['A'], of)).toEqual(['C', 'A', 'B', 'C']);
  });

  it('refuses a group as its own subgroup', () => {
    expect(findSubgroupCycle('D', ['D'], of)).toEqual(['D', 'D']);
  });

  it('accepts nesting that makes no cycle, including shared subgroups', () => {
    expect(findSubgroupCycle('D', ['A', 'B', 'C'], of)).toBeUndefined();
  });
});
