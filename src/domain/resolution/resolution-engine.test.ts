// Proves the fast engine agrees with a literal reading of the resolution rule on random inventories,
// before and after random incremental changes — and that incremental version tags equal from-scratch ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition } from '../inventory/conditions.js';
import type {
  AccountDistribution,
  Association,
  ClassDef,
  GroupDef,
  ObjectDef,
  ResolutionInput,
  Scope,
  WorkflowDef,
} from './model.js';
import { createReferenceResolver } from './reference-resolver.js';
import { createResolutionEngine, type ResolutionEngine } from './resolution-engine.js';

const BASE_CLASSES: ClassDef[] = [
  { id: 'System.Entity', baseClassId: null },
  { id: 'System.Computer', baseClassId: 'System.Entity' },
  { id: 'System.ResourcePool', baseClassId: 'System.Entity' },
];
const PROFILES = ['P1', 'P2', 'P3'];

/** A random but well-formed inventory, built from a seed of choices. */
const inventory = fc
  .record({
    extraClasses: fc.array(fc.nat(10), { minLength: 1, maxLength: 6 }),
    computers: fc.integer({ min: 1, max: 4 }),
    hosted: fc.array(fc.record({ host: fc.nat(100), cls: fc.nat(100), p: fc.nat(3) }), { maxLength: 16 }),
    groups: fc.array(
      fc.record({
        members: fc.array(fc.nat(100), { maxLength: 3 }),
        rule: fc.option(fc.record({ cls: fc.nat(100), p: fc.nat(3) }), { nil: undefined }),
        subgroups: fc.array(fc.nat(10), { maxLength: 2 }),
      }),
      { maxLength: 4 },
    ),
    workflows: fc.array(fc.record({ cls: fc.nat(100), profile: fc.nat(3) }), { minLength: 1, maxLength: 4 }),
    accounts: fc.array(fc.record({ less: fc.boolean(), approved: fc.array(fc.nat(10), { maxLength: 3 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
    associations: fc.array(
      fc.record({
        profile: fc.nat(2),
        account: fc.nat(10),
        scope: fc.nat(3),
        target: fc.nat(100),
        enforced: fc.boolean(),
      }),
      { maxLength: 8 },
    ),
  })
  .map((r): ResolutionInput => {
    const classes = [...BASE_CLASSES];
    r.extraClasses.forEach((b, i) => {
      // Bases among the hosted classes made so far (or the root), so inheritance chains get deep.
      const candidates = ['System.Entity', ...classes.slice(3).map((c) => c.id)];
      classes.push({ id: `C${i}`, baseClassId: candidates[b % candidates.length]! });
    });
    const hostedClasses = classes.slice(3).map((c) => c.id);
    const objects: ObjectDef[] = [];
    for (let i = 0; i < r.computers; i++) {
      objects.push({
        id: `cmp_${i}`,
        classId: 'System.Computer',
        hostId: null,
        name: `c${i}`,
        displayName: `c${i}`,
        properties: {},
      });
    }
    objects.push({
      id: 'pool_a',
      classId: 'System.ResourcePool',
      hostId: null,
      name: 'pa',
      displayName: 'pa',
      properties: {},
    });
    r.hosted.forEach((h, i) => {
      const host = objects[h.host % objects.length]!;
      objects.push({
        id: `obj_${i}`,
        classId: hostedClasses[h.cls % hostedClasses.length]!,
        hostId: host.id,
        name: `o${i}`,
        displayName: `o${i}`,
        properties: { p: h.p },
      });
    });
    const groups: GroupDef[] = r.groups.map((g, i) => ({
      id: `G${i}`,
      members: [...new Set(g.members.map((m) => objects[m % objects.length]!.id))],
      rules: g.rule
        ? [
            {
              classId: classes[g.rule.cls % classes.length]!.id,
              conditions: [{ property: 'p', op: 'eq', value: g.rule.p } as Condition],
            },
          ]
        : [],
      subgroups: [...new Set(g.subgroups.map((s) => `G${s % r.groups.length}`))].filter((s) => s !== `G${i}`),
    }));
    const runnerIds = objects.filter((o) => o.hostId === null).map((o) => o.id);
    const accounts: AccountDistribution[] = r.accounts.map((a, i) => ({
      id: `acct_${i}`,
      version: 1,
      type: 'windows',
      security: a.less ? 'less-secure' : 'more-secure',
      approved: [...new Set(a.approved.map((x) => runnerIds[x % runnerIds.length]!))],
    }));
    const workflows: WorkflowDef[] = r.workflows.map((w, i) => ({
      id: `W${i}`,
      targetClassId: classes[w.cls % classes.length]!.id,
      profileId: w.profile === 3 ? null : PROFILES[w.profile]!,
    }));
    const associations: Association[] = r.associations.map((a, i) => ({
      id: `asc_${i}`,
      profileId: PROFILES[a.profile]!,
      accountId: accounts[a.account % accounts.length]!.id,
      scope: scopeOf(a.scope, a.target, { classes, objects, groups }),
      enforced: a.enforced,
      order: i,
    }));
    return {
      classes,
      objects,
      groups,
      runners: runnerIds.map((id) => ({
        id,
        kind: id.startsWith('pool_') ? 'pool' : 'agent',
        defaultActionAccountId: null,
      })),
      pools: [{ id: 'pool_a', members: ['srv_1'] }],
      workflows,
      accounts,
      associations,
    };
  });

function scopeOf(
  kind: number,
  target: number,
  inv: { classes: ClassDef[]; objects: ObjectDef[]; groups: GroupDef[] },
): Scope {
  if (kind === 1) return { kind: 'class', classId: inv.classes[target % inv.classes.length]!.id };
  if (kind === 2 && inv.groups.length)
    return { kind: 'group', groupId: inv.groups[target % inv.groups.length]!.id };
  if (kind === 3) return { kind: 'object', objectId: inv.objects[target % inv.objects.length]!.id };
  return { kind: 'all' };
}

function expectAgreement(engine: ResolutionEngine, input: ResolutionInput) {
  // Tags first: a class pick's change reaches objects when they are read, and a runner's tag must not need
  // its objects read one by one before it is right.
  const fresh = createResolutionEngine(input);
  for (const r of input.runners) expect(engine.tagOf(r.id), `tag of ${r.id}`).toBe(fresh.tagOf(r.id));
  const ref = createReferenceResolver(input);
  for (const [w, o] of ref.pairs()) {
    expect(engine.resolveWorkflow(w, o), `${w} on ${o}`).toEqual(ref.resolveWorkflow(w, o));
  }
}

/** A random change, applied to both the engine and the plain input the reference reads. */
type Change = (engine: ResolutionEngine, input: ResolutionInput) => ResolutionInput;

const change: fc.Arbitrary<Change> = fc.oneof(
  fc
    .record({
      profile: fc.nat(2),
      account: fc.nat(10),
      scope: fc.nat(3),
      target: fc.nat(100),
      enforced: fc.boolean(),
      replace: fc.nat(10),
    })
    .map(
      (c): Change =>
        (engine, input) => {
          const existing = input.associations[c.replace % Math.max(1, input.associations.length)];
          const id =
            c.replace % 2 === 0 && existing ? existing.id : `asc_new${input.associations.length}_${c.target}`;
          const a: Association = {
            id,
            profileId: PROFILES[c.profile]!,
            accountId: input.accounts[c.account % input.accounts.length]!.id,
            scope: scopeOf(c.scope, c.target, input as never),
            enforced: c.enforced,
            order: existing && existing.id === id ? existing.order : 1000 + input.associations.length,
          };
          engine.setAssociation(a);
          return { ...input, associations: [...input.associations.filter((x) => x.id !== id), a] };
        },
    ),
  fc.nat(10).map(
    (i): Change =>
      (engine, input) => {
        const a = input.associations[i % Math.max(1, input.associations.length)];
        if (!a) return input;
        engine.removeAssociation(a.id);
        return { ...input, associations: input.associations.filter((x) => x.id !== a.id) };
      },
  ),
  fc
    .record({ account: fc.nat(10), less: fc.boolean(), approved: fc.array(fc.nat(10), { maxLength: 3 }) })
    .map(
      (c): Change =>
        (engine, input) => {
          const runnerIds = input.runners.map((r) => r.id);
          const old = input.accounts[c.account % input.accounts.length]!;
          const next: AccountDistribution = {
            ...old,
            version: old.version + 1,
            security: c.less ? 'less-secure' : 'more-secure',
            approved: [...new Set(c.approved.map((x) => runnerIds[x % runnerIds.length]!))],
          };
          engine.setAccount(next);
          return { ...input, accounts: input.accounts.map((a) => (a.id === old.id ? next : a)) };
        },
    ),
  fc.record({ host: fc.nat(100), cls: fc.nat(100), p: fc.nat(3) }).map(
    (c): Change =>
      (engine, input) => {
        const hostedClasses = input.classes.slice(3).map((x) => x.id);
        const host = input.objects[c.host % input.objects.length]!;
        const o: ObjectDef = {
          id: `obj_new${input.objects.length}_${c.host}`,
          classId: hostedClasses[c.cls % hostedClasses.length]!,
          hostId: host.id,
          name: 'n',
          displayName: 'n',
          properties: { p: c.p },
        };
        if (input.objects.some((x) => x.id === o.id)) return input;
        engine.upsertObject(o);
        return { ...input, objects: [...input.objects, o] };
      },
  ),
  fc.record({ which: fc.nat(100), p: fc.nat(3) }).map(
    (c): Change =>
      (engine, input) => {
        const hosted = input.objects.filter((o) => o.hostId !== null);
        const o = hosted[c.which % Math.max(1, hosted.length)];
        if (!o) return input;
        const next = { ...o, properties: { p: c.p } };
        engine.upsertObject(next);
        return { ...input, objects: input.objects.map((x) => (x.id === o.id ? next : x)) };
      },
  ),
  fc.nat(100).map(
    (i): Change =>
      (engine, input) => {
        const hosted = input.objects.filter((o) => o.hostId !== null);
        const o = hosted[i % Math.max(1, hosted.length)];
        if (!o) return input;
        // The whole hosted subtree goes with it, as in the database.
        const gone = new Set([o.id]);
        let grew = true;
        while (grew) {
          grew = false;
          for (const x of input.objects)
            if (x.hostId && gone.has(x.hostId) && !gone.has(x.id)) {
              gone.add(x.id);
              grew = true;
            }
        }
        engine.removeObject(o.id);
        return {
          ...input,
          objects: input.objects.filter((x) => !gone.has(x.id)),
          groups: input.groups.map((g) => ({ ...g, members: g.members.filter((m) => !gone.has(m)) })),
          associations: input.associations.filter(
            (a) => !(a.scope.kind === 'object' && gone.has(a.scope.objectId)),
          ),
        };
      },
  ),
  fc
    .record({
      group: fc.nat(10),
      members: fc.array(fc.nat(100), { maxLength: 3 }),
      rule: fc.option(fc.record({ cls: fc.nat(100), p: fc.nat(3) }), { nil: undefined }),
      sub: fc.option(fc.nat(10), { nil: undefined }),
    })
    .map(
      (c): Change =>
        (engine, input) => {
          const id =
            input.groups.length && c.group % 3 !== 0
              ? input.groups[c.group % input.groups.length]!.id
              : `G_new${c.group}`;
          const g: GroupDef = {
            id,
            members: [...new Set(c.members.map((m) => input.objects[m % input.objects.length]!.id))],
            rules: c.rule
              ? [
                  {
                    classId: input.classes[c.rule.cls % input.classes.length]!.id,
                    conditions: [{ property: 'p', op: 'eq', value: c.rule.p } as Condition],
                  },
                ]
              : [],
            subgroups:
              c.sub !== undefined && input.groups.length
                ? [input.groups[c.sub % input.groups.length]!.id].filter((s) => s !== id)
                : [],
          };
          engine.setGroup(g);
          return { ...input, groups: [...input.groups.filter((x) => x.id !== id), g] };
        },
    ),
);

describe('resolution engine against the reference rule', () => {
  it('agrees on every (workflow, object) pair of random inventories', () => {
    fc.assert(
      fc.property(inventory, (input) => {
        expectAgreement(createResolutionEngine(input), input);
      }),
      { numRuns: 300 },
    );
  });

  it('still agrees, with from-scratch tags, after random incremental changes', () => {
    fc.assert(
      fc.property(inventory, fc.array(change, { minLength: 1, maxLength: 8 }), (start, changes) => {
        const engine = createResolutionEngine(start);
        let input = start;
        for (const c of changes) {
          const before = new Map(input.runners.map((r) => [r.id, engine.tagOf(r.id)]));
          engine.drainChanged();
          input = c(engine, input);
          expectAgreement(engine, input);
          // Every runner whose configuration changed is reported, so waiting agents can be told.
          const reported = new Set(engine.drainChanged());
          for (const r of input.runners) {
            if (engine.tagOf(r.id) !== before.get(r.id))
              expect(reported.has(r.id), `change of ${r.id} reported`).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('resolution engine rules', () => {
  const base: ResolutionInput = {
    classes: [
      ...BASE_CLASSES,
      { id: 'SQL.Instance', baseClassId: 'System.Entity' },
      { id: 'SQL.Db', baseClassId: 'System.Entity' },
    ],
    objects: [
      {
        id: 'cmp_abc',
        classId: 'System.Computer',
        hostId: null,
        name: 'abc',
        displayName: 'abc',
        properties: {},
      },
      {
        id: 'obj_x',
        classId: 'SQL.Instance',
        hostId: 'cmp_abc',
        name: 'X',
        displayName: 'X',
        properties: {},
      },
      {
        id: 'obj_y',
        classId: 'SQL.Instance',
        hostId: 'cmp_abc',
        name: 'Y',
        displayName: 'Y',
        properties: {},
      },
    ],
    groups: [],
    runners: [{ id: 'cmp_abc', kind: 'agent', defaultActionAccountId: 'acct_daa' }],
    pools: [],
    workflows: [{ id: 'W', targetClassId: 'SQL.Instance', profileId: 'P' }],
    accounts: [
      { id: 'acct_x', version: 1, type: 'windows', security: 'more-secure', approved: ['cmp_abc'] },
      { id: 'acct_y', version: 1, type: 'windows', security: 'more-secure', approved: ['cmp_abc'] },
    ],
    associations: [
      {
        id: 'a1',
        profileId: 'P',
        accountId: 'acct_x',
        scope: { kind: 'object', objectId: 'obj_x' },
        enforced: false,
        order: 1,
      },
      {
        id: 'a2',
        profileId: 'P',
        accountId: 'acct_y',
        scope: { kind: 'object', objectId: 'obj_y' },
        enforced: false,
        order: 2,
      },
    ],
  };

  it('S2: two instances on one host use their own accounts; removing one distribution stops only that one', () => {
    const e = createResolutionEngine(base);
    expect(e.resolveWorkflow('W', 'obj_x')).toEqual({
      kind: 'account',
      accountId: 'acct_x',
      associationId: 'a1',
    });
    expect(e.resolveWorkflow('W', 'obj_y')).toEqual({
      kind: 'account',
      accountId: 'acct_y',
      associationId: 'a2',
    });
    const before = e.tagOf('cmp_abc');
    e.drainChanged();
    e.setAccount({ ...base.accounts[1]!, approved: [] });
    expect(e.resolveWorkflow('W', 'obj_y')).toEqual({
      kind: 'not-distributed',
      accountId: 'acct_y',
      associationId: 'a2',
    });
    expect(e.resolveWorkflow('W', 'obj_x').kind).toBe('account');
    expect(e.drainChanged()).toEqual(['cmp_abc']);
    expect(e.tagOf('cmp_abc')).not.toBe(before);
  });

  it('keeps the tag when nothing about the runner changes', () => {
    const e = createResolutionEngine(base);
    const before = e.tagOf('cmp_abc');
    e.setAccount({ ...base.accounts[0]! });
    expect(e.tagOf('cmp_abc')).toBe(before);
  });

  it('an account made after the association that names it is used at once; one no association names changes nothing', () => {
    const e = createResolutionEngine({ ...base, accounts: [base.accounts[0]!] });
    expect(e.resolveWorkflow('W', 'obj_y').kind).not.toBe('account');
    e.drainChanged();
    const before = e.tagOf('cmp_abc');
    e.setAccount({ id: 'acct_unused', version: 1, type: 'windows', security: 'more-secure', approved: [] });
    expect(e.drainChanged()).toEqual([]);
    expect(e.tagOf('cmp_abc')).toBe(before);
    e.setAccount({ ...base.accounts[1]! });
    expect(e.resolveWorkflow('W', 'obj_y')).toEqual({
      kind: 'account',
      accountId: 'acct_y',
      associationId: 'a2',
    });
    expect(e.drainChanged()).toEqual(['cmp_abc']);
    e.removeAccount('acct_y');
    expect(e.resolveWorkflow('W', 'obj_y').kind).not.toBe('account');
    expect(e.drainChanged()).toEqual(['cmp_abc']);
  });

  it('a class-wide account reaches the tag and configuration of the runner before any of its objects is read', () => {
    const e = createResolutionEngine({ ...base, associations: [] });
    const before = e.tagOf('cmp_abc');
    e.drainChanged();
    const classWide = {
      id: 'a3',
      profileId: 'P',
      accountId: 'acct_x',
      scope: { kind: 'class' as const, classId: 'SQL.Instance' },
      enforced: false,
      order: 3,
    };
    e.setAssociation(classWide);
    expect(e.drainChanged()).toEqual(['cmp_abc']);
    const tag = e.tagOf('cmp_abc');
    expect(tag).not.toBe(before);
    expect(tag).toBe(createResolutionEngine({ ...base, associations: [classWide] }).tagOf('cmp_abc'));
    expect(e.configOf('cmp_abc')!.entries.map((x) => x.resolution)).toEqual([
      { kind: 'account', accountId: 'acct_x', associationId: 'a3' },
      { kind: 'account', accountId: 'acct_x', associationId: 'a3' },
    ]);
    // Removed again: reported, and back to the tag it had.
    e.removeAssociation('a3');
    expect(e.drainChanged()).toEqual(['cmp_abc']);
    expect(e.tagOf('cmp_abc')).toBe(before);
    expect(e.resolveWorkflow('W', 'obj_y')).toEqual({ kind: 'default-action-account' });
  });

  it('an approval for a computer whose runner has not come yet reaches the objects waiting for it', () => {
    const all = {
      id: 'a_all',
      profileId: 'P',
      accountId: 'acct_x',
      scope: { kind: 'all' as const },
      enforced: false,
      order: 9,
    };
    const e = createResolutionEngine({ ...base, associations: [all] });
    const computer = { ...base.objects[0]!, id: 'cmp_new', name: 'new', displayName: 'new' };
    const instance = { ...base.objects[1]!, id: 'obj_z', hostId: 'cmp_new' };
    e.upsertObject(computer);
    e.upsertObject(instance);
    expect(e.resolveWorkflow('W', 'obj_z').kind).toBe('not-distributed');
    const approved = { ...base.accounts[0]!, version: 2, approved: ['cmp_abc', 'cmp_new'] };
    e.setAccount(approved);
    expect(e.resolveWorkflow('W', 'obj_z')).toEqual({
      kind: 'account',
      accountId: 'acct_x',
      associationId: 'a_all',
    });
    const runner = { id: 'cmp_new', kind: 'agent' as const, defaultActionAccountId: 'acct_daa' };
    e.setRunner(runner);
    const fresh = createResolutionEngine({
      ...base,
      objects: [...base.objects, computer, instance],
      runners: [...base.runners, runner],
      accounts: [approved, base.accounts[1]!],
      associations: [all],
    });
    expect(e.tagOf('cmp_new')).toBe(fresh.tagOf('cmp_new'));
  });

  it('S4: a profile with no associations resolves to the default action account', () => {
    const e = createResolutionEngine({ ...base, associations: [] });
    expect(e.resolveWorkflow('W', 'obj_x')).toEqual({ kind: 'default-action-account' });
  });

  it('lists the accounts a runner receives with their versions', () => {
    const e = createResolutionEngine(base);
    expect(e.configOf('cmp_abc')?.accounts).toEqual([
      { id: 'acct_x', version: 1 },
      { id: 'acct_y', version: 1 },
    ]);
    expect(e.configOf('cmp_abc')?.entries).toHaveLength(2);
  });
});
