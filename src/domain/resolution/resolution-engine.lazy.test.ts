// Class picks reach objects lazily (when they or their runner are read): random runs of changes with reads
// only now and then must still agree with the reference rule and with from-scratch tags, and every runner
// whose tag moved since a reader last saw it must have been reported in between.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition } from '../inventory/conditions.js';
import type { Association, GroupDef, ObjectDef, ResolutionInput, Scope } from './model.js';
import { createReferenceResolver } from './reference-resolver.js';
import { createResolutionEngine, type ResolutionEngine } from './resolution-engine.js';

const CLASSES = ['A', 'B', 'C'];
const COMPUTERS = ['cmp_0', 'cmp_1', 'cmp_2', 'cmp_3'];
const GROUPS = ['G0', 'G1', 'G2', 'G3'];
const PROFILES = ['P1', 'P2'];

const obj = (id: string, classId: string, hostId: string | null, p = 0): ObjectDef => ({
  id,
  classId,
  hostId,
  name: id,
  displayName: id,
  properties: { p },
});
const runner = (id: string) => ({ id, kind: 'agent' as const, defaultActionAccountId: null });

const start: ResolutionInput = {
  classes: [
    { id: 'System.Entity', baseClassId: null },
    { id: 'System.Computer', baseClassId: 'System.Entity' },
    { id: 'A', baseClassId: 'System.Entity' },
    { id: 'B', baseClassId: 'A' },
    { id: 'C', baseClassId: 'System.Entity' },
  ],
  objects: [
    obj('cmp_0', 'System.Computer', null),
    obj('cmp_1', 'System.Computer', null),
    obj('o_a', 'A', 'cmp_0'),
    obj('o_b', 'B', 'o_a', 1),
    obj('o_c', 'C', 'cmp_1'),
    obj('o_d', 'B', 'cmp_1', 1),
  ],
  groups: [
    { id: 'G0', members: ['o_a'], rules: [], subgroups: [] },
    { id: 'G1', members: [], rules: [], subgroups: ['G2'] },
  ],
  runners: [runner('cmp_0'), runner('cmp_1')],
  pools: [],
  workflows: [
    { id: 'W0', targetClassId: 'A', profileId: 'P1' },
    { id: 'W1', targetClassId: 'B', profileId: 'P2' },
    { id: 'W2', targetClassId: 'C', profileId: 'P1' },
    { id: 'W3', targetClassId: 'System.Computer', profileId: 'P2' },
  ],
  accounts: [
    { id: 'acct_0', version: 1, type: 'windows', security: 'more-secure', approved: ['cmp_0', 'cmp_2'] },
    { id: 'acct_1', version: 1, type: 'windows', security: 'more-secure', approved: ['cmp_1'] },
    { id: 'acct_2', version: 1, type: 'windows', security: 'more-secure', approved: [] },
  ],
  associations: [],
};

type Step = (e: ResolutionEngine, i: ResolutionInput) => ResolutionInput;
const pick = <T>(xs: readonly T[], n: number): T | undefined => xs[n % Math.max(1, xs.length)];
const subtree = (i: ResolutionInput, id: string) => {
  const gone = new Set([id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const x of i.objects)
      if (x.hostId && gone.has(x.hostId) && !gone.has(x.id)) grew = gone.add(x.id) !== undefined;
  }
  return gone;
};

const assoc = (classWide: boolean) =>
  fc.record({ id: fc.nat(5), p: fc.nat(1), acct: fc.nat(2), t: fc.nat(20), enforced: fc.boolean() }).map(
    (c): Step =>
      (e, i) => {
        const id = `asc_${classWide ? 'c' : 'o'}${c.id}`;
        const scope: Scope = classWide
          ? c.t % 4 === 0
            ? { kind: 'all' }
            : { kind: 'class', classId: pick(['System.Entity', ...CLASSES], c.t)! }
          : c.t % 2 === 0 || i.objects.length === 0
            ? { kind: 'group', groupId: pick(GROUPS, c.t)! }
            : { kind: 'object', objectId: pick(i.objects, c.t)!.id };
        const old = i.associations.find((a) => a.id === id);
        const a: Association = {
          id,
          profileId: PROFILES[c.p]!,
          accountId: `acct_${c.acct}`,
          scope,
          enforced: c.enforced,
          order: old?.order ?? i.associations.length + 10 * c.id,
        };
        e.setAssociation(a);
        return { ...i, associations: [...i.associations.filter((x) => x.id !== id), a] };
      },
  );

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: assoc(true) },
  { weight: 2, arbitrary: assoc(false) },
  fc.nat(20).map(
    (n): Step =>
      (e, i) => {
        const a = pick(i.associations, n);
        if (!a) return i;
        e.removeAssociation(a.id);
        return { ...i, associations: i.associations.filter((x) => x !== a) };
      },
  ),
  fc.record({ acct: fc.nat(2), approved: fc.array(fc.nat(3), { maxLength: 3 }) }).map(
    (c): Step =>
      (e, i) => {
        const old = i.accounts[c.acct]!;
        // Computers with no runner yet included: objects waiting for their runner are re-resolved too.
        const approved = c.approved.map((k) => COMPUTERS[k]!);
        const next = { ...old, version: old.version + 1, approved: [...new Set(approved)] };
        e.setAccount(next);
        return { ...i, accounts: i.accounts.map((a) => (a.id === old.id ? next : a)) };
      },
  ),
  // A new object, or one moved to another host or class (what it hosts moves with it).
  fc.record({ which: fc.nat(30), host: fc.nat(30), cls: fc.nat(2), p: fc.nat(1), kind: fc.nat(2) }).map(
    (c): Step =>
      (e, i) => {
        const hosted = i.objects.filter((o) => o.hostId !== null);
        const old = c.kind === 0 ? undefined : pick(hosted, c.which);
        const id = old?.id ?? `o_n${i.objects.length}_${c.which}`;
        const hosts = i.objects.filter((o) => !subtree(i, id).has(o.id));
        const host = c.kind === 2 && old ? old.hostId : pick(hosts, c.host)?.id;
        if (!host || (!old && i.objects.some((o) => o.id === id))) return i;
        const next = obj(id, CLASSES[c.cls]!, host, c.p);
        e.upsertObject(next);
        return { ...i, objects: old ? i.objects.map((o) => (o === old ? next : o)) : [...i.objects, next] };
      },
  ),
  fc.nat(30).map(
    (n): Step =>
      (e, i) => {
        const o = pick(i.objects, n);
        if (!o) return i;
        const gone = subtree(i, o.id);
        e.removeObject(o.id);
        if (o.hostId === null) e.removeRunner(o.id);
        return {
          ...i,
          objects: i.objects.filter((x) => !gone.has(x.id)),
          runners: i.runners.filter((r) => r.id !== o.id),
        };
      },
  ),
  // A computer comes: its object, its runner, or both (as the resolution service applies them).
  fc.record({ k: fc.nat(3), what: fc.nat(2) }).map(
    (c): Step =>
      (e, i) => {
        const id = COMPUTERS[c.k]!;
        const hasObj = i.objects.some((o) => o.id === id);
        const hasRunner = i.runners.some((r) => r.id === id);
        let next = i;
        if (c.what !== 1 && hasObj && !hasRunner) {
          e.setRunner(runner(id));
          next = { ...next, runners: [...next.runners, runner(id)] };
        }
        if (c.what !== 0 && !hasObj) {
          e.upsertObject(obj(id, 'System.Computer', null));
          next = { ...next, objects: [...next.objects, obj(id, 'System.Computer', null)] };
        }
        return next;
      },
  ),
  {
    weight: 3,
    arbitrary: fc
      .record({
        g: fc.nat(3),
        members: fc.array(fc.nat(30), { maxLength: 2 }),
        rule: fc.option(fc.record({ cls: fc.nat(2), p: fc.nat(1) }), { nil: undefined }),
        subs: fc.array(fc.nat(3), { maxLength: 2 }),
        remove: fc.nat(4),
      })
      .map(
        (c): Step =>
          (e, i) => {
            const id = GROUPS[c.g]!;
            if (c.remove === 0) {
              e.removeGroup(id);
              return { ...i, groups: i.groups.filter((g) => g.id !== id) };
            }
            const g: GroupDef = {
              id,
              members: [...new Set(c.members.flatMap((m) => pick(i.objects, m)?.id ?? []))],
              rules: c.rule
                ? [
                    {
                      classId: CLASSES[c.rule.cls]!,
                      conditions: [{ property: 'p', op: 'eq', value: c.rule.p } as Condition],
                    },
                  ]
                : [],
              // Only to later groups: no cycles; they need not exist yet.
              subgroups: [...new Set(c.subs.filter((s) => s > c.g).map((s) => GROUPS[s]!))],
            };
            e.setGroup(g);
            return { ...i, groups: [...i.groups.filter((x) => x.id !== id), g] };
          },
      ),
  },
);

/** What a reader does between changes: nothing, drain, read a tag or configuration, resolve a pair, or check all. */
const read = fc.record({ kind: fc.nat(7), n: fc.nat(30) });

describe('resolution engine with class picks applied when read', () => {
  it('agrees with the reference and from-scratch tags, and reports every tag a reader saw change', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(step, read), { minLength: 1, maxLength: 25 }), (run) => {
        const e = createResolutionEngine(start);
        let input = start;
        /**
         * The tag each runner had when last read, the runners reported since, and those read with a new tag
         * not reported yet: the next drain must report them.
         */
        const seen = new Map<string, string | undefined>();
        const reported = new Set<string>();
        const owed = new Set<string>();
        const look = (id: string, tag: string | undefined) => {
          if (seen.has(id) && seen.get(id) !== tag && !reported.has(id)) owed.add(id);
          seen.set(id, tag);
          reported.delete(id);
        };
        const drain = () => {
          const out = e.drainChanged();
          for (const id of owed)
            expect(out, `change of ${id}'s tag after it was read is reported`).toContain(id);
          owed.clear();
          for (const id of out) reported.add(id);
        };
        const check = () => {
          drain();
          const fresh = createResolutionEngine(input);
          for (const r of input.runners) {
            expect(e.tagOf(r.id), `tag of ${r.id}`).toBe(fresh.tagOf(r.id));
            look(r.id, e.tagOf(r.id));
          }
          for (const o of input.objects)
            expect([...e.groupsOf(o.id)].sort(), `groups of ${o.id}`).toEqual(
              [...fresh.groupsOf(o.id)].sort(),
            );
        };
        e.drainChanged();
        for (const [s, r] of run) {
          input = s(e, input);
          const rid = pick(input.runners, r.n)?.id;
          if (r.kind === 1) drain();
          else if (r.kind === 2 && rid) look(rid, e.tagOf(rid));
          else if (r.kind === 3 && rid) look(rid, e.configOf(rid)?.tag);
          else if (r.kind === 4) {
            const o = pick(input.objects, r.n);
            if (o) for (const w of input.workflows) e.resolveWorkflow(w.id, o.id);
          } else if (r.kind === 5) check();
        }
        check();
        drain();
        const ref = createReferenceResolver(input);
        for (const [w, o] of ref.pairs())
          expect(e.resolveWorkflow(w, o), `${w} on ${o}`).toEqual(ref.resolveWorkflow(w, o));
        for (const r of input.runners) {
          const entries = e.configOf(r.id)!.entries;
          for (const x of entries)
            expect(x.resolution, `${x.workflowId} on ${x.objectId} in config`).toEqual(
              ref.resolveWorkflow(x.workflowId, x.objectId),
            );
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('changed runners', () => {
  it('reports a runner once when it is removed and set again before the drain', () => {
    const e = createResolutionEngine(start);
    e.removeObject('cmp_0');
    e.removeRunner('cmp_0');
    e.setRunner(runner('cmp_0'));
    e.upsertObject(obj('cmp_0', 'System.Computer', null));
    expect(e.drainChanged()).toEqual(['cmp_0']);
  });
});
