// Resolution at scale: a synthetic management group of 15,000 agents and 300,000 objects, computed from
// scratch, then single changes applied incrementally; prints figures as JSON.
import type { Condition } from '../src/domain/inventory/conditions.js';
import type {
  AccountDistribution,
  Association,
  ClassDef,
  GroupDef,
  ObjectDef,
  ResolutionInput,
  RunnerDef,
  WorkflowDef,
} from '../src/domain/resolution/model.js';
import { createResolutionEngine } from '../src/domain/resolution/resolution-engine.js';
import { percentile } from './bench-stats.js';

export interface ResolveBenchOptions {
  agents: number;
  objectsPerAgent: number;
  groups: number;
  profiles: number;
  accounts: number;
  associations: number;
  samples: number;
  seed: number;
}

export const defaultResolveOptions: ResolveBenchOptions = {
  agents: 15_000,
  objectsPerAgent: 20,
  groups: 1_000,
  profiles: 200,
  accounts: 2_000,
  associations: 5_000,
  samples: 20,
  seed: 7,
};

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same group. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

export function syntheticGroup(o: ResolveBenchOptions): ResolutionInput {
  const r = rng(o.seed);
  // A class tree four deep below System.Entity: 5 → 15 → 45 → 90 classes.
  const classes: ClassDef[] = [
    { id: 'System.Entity', baseClassId: null },
    { id: 'System.Computer', baseClassId: 'System.Entity' },
    { id: 'System.ResourcePool', baseClassId: 'System.Entity' },
  ];
  const levels: string[][] = [];
  let parents = ['System.Entity'];
  for (const [depth, fan] of [
    [1, 5],
    [2, 3],
    [3, 3],
    [4, 2],
  ] as const) {
    const level: string[] = [];
    for (const p of parents) {
      for (let i = 0; i < (depth === 1 ? fan : fan); i++) {
        const id = `App.L${depth}.${level.length}`;
        classes.push({ id, baseClassId: p });
        level.push(id);
      }
      if (depth === 1) break;
    }
    levels.push(level);
    parents = level;
  }
  const leafish = [...levels[2]!, ...levels[3]!];

  const objects: ObjectDef[] = [];
  const runners: RunnerDef[] = [];
  const agents: string[] = [];
  for (let a = 0; a < o.agents; a++) {
    const id = `cmp_${a}`;
    agents.push(id);
    runners.push({ id, kind: 'agent', defaultActionAccountId: 'acct_daa' });
    objects.push({
      id,
      classId: 'System.Computer',
      hostId: null,
      name: `host${a}.example`,
      displayName: `host${a}`,
      properties: {},
    });
    const local: string[] = [id];
    for (let i = 0; i < o.objectsPerAgent; i++) {
      const oid = `obj_${a}_${i}`;
      // Half hosted on the computer, half on an object already on it: chains up to several deep.
      const hostId = i < o.objectsPerAgent / 2 ? id : r.pick(local);
      objects.push({
        id: oid,
        classId: r.pick(leafish),
        hostId,
        name: `o${i}`,
        displayName: `object ${i}`,
        properties: { tier: r.int(10), env: r.pick(['prod', 'test', 'dev']) },
      });
      local.push(oid);
    }
  }
  runners.push({ id: 'pool_all', kind: 'pool', defaultActionAccountId: null });
  objects.push({
    id: 'pool_all',
    classId: 'System.ResourcePool',
    hostId: null,
    name: 'all',
    displayName: 'All',
    properties: {},
  });

  const hostedObjects = objects.filter((x) => x.hostId !== null);
  const groups: GroupDef[] = [];
  for (let g = 0; g < o.groups; g++) {
    const id = `Group.${g}`;
    const kind = g % 10;
    if (kind < 6) {
      const members = new Set<string>();
      const n = 5 + r.int(40);
      for (let i = 0; i < n; i++) members.add(r.next() < 0.3 ? r.pick(agents) : r.pick(hostedObjects).id);
      groups.push({ id, members: [...members], rules: [], subgroups: [] });
    } else if (kind < 9) {
      const cond: Condition = { property: 'tier', op: 'eq', value: r.int(10) };
      groups.push({
        id,
        members: [],
        rules: [
          {
            classId: r.pick([...levels[1]!, ...levels[2]!, ...levels[3]!]),
            conditions: [cond, { property: 'env', op: 'eq', value: r.pick(['prod', 'test']) }],
          },
        ],
        subgroups: [],
      });
    } else {
      const subs = new Set<string>();
      for (let i = 0; i < 3; i++) subs.add(`Group.${r.int(g)}`);
      groups.push({ id, members: [], rules: [], subgroups: [...subs].filter((s) => s !== id) });
    }
  }

  const profiles = Array.from({ length: o.profiles }, (_, i) => `Profile.${i}`);
  const workflows: WorkflowDef[] = [];
  const targetable = [...levels[1]!, ...levels[2]!, ...levels[3]!];
  for (const p of profiles) {
    for (let i = 0; i < 2; i++)
      workflows.push({ id: `WF.${p}.${i}`, targetClassId: r.pick(targetable), profileId: p });
  }
  for (let i = 0; i < 100; i++)
    workflows.push({ id: `WF.none.${i}`, targetClassId: r.pick(targetable), profileId: null });

  const accounts: AccountDistribution[] = [];
  for (let i = 0; i < o.accounts; i++) {
    const approved = new Set<string>();
    const n = 1 + r.int(20);
    for (let k = 0; k < n; k++) approved.add(r.pick(agents));
    accounts.push({
      id: `acct_${i}`,
      version: 1,
      type: 'windows',
      security: i % 100 === 0 ? 'less-secure' : 'more-secure',
      approved: [...approved],
    });
  }
  const associations: Association[] = [];
  for (let i = 0; i < o.associations; i++) {
    const roll = r.next();
    const scope: Association['scope'] =
      roll < 0.4
        ? { kind: 'object', objectId: r.pick(hostedObjects).id }
        : roll < 0.65
          ? { kind: 'group', groupId: r.pick(groups).id }
          : roll < 0.9
            ? { kind: 'class', classId: r.pick(targetable) }
            : { kind: 'all' };
    associations.push({
      id: `asc_${i}`,
      profileId: r.pick(profiles),
      accountId: r.pick(accounts).id,
      scope,
      enforced: r.next() < 0.05,
      order: i,
    });
  }
  return {
    classes,
    objects,
    groups,
    runners,
    pools: [{ id: 'pool_all', members: ['srv_1'] }],
    workflows,
    accounts,
    associations,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function runResolveBench(
  o: ResolveBenchOptions = defaultResolveOptions,
  log: (s: string) => void = () => {},
) {
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const gen0 = process.hrtime.bigint();
  const input = syntheticGroup(o);
  const generateMs = ms(gen0);
  sample();
  log(`generated ${input.objects.length} objects in ${round(generateMs, 0)} ms; computing`);

  const t0 = process.hrtime.bigint();
  const engine = createResolutionEngine(input);
  const buildMs = ms(t0);
  sample();
  const t1 = process.hrtime.bigint();
  let entries = 0;
  for (const runner of input.runners) entries += engine.configOf(runner.id)!.entries.length;
  const configsMs = ms(t1);
  sample();
  log(
    `engine built in ${round(buildMs, 0)} ms; ${entries} entries materialised in ${round(configsMs, 0)} ms`,
  );

  const r = rng(o.seed + 1);
  const hosted = input.objects.filter((x) => x.hostId !== null);
  const agents = input.runners.filter((x) => x.kind === 'agent').map((x) => x.id);
  const timeIt = (fn: () => void) => {
    const t = process.hrtime.bigint();
    fn();
    engine.drainChanged();
    return ms(t);
  };
  const assocChange: number[] = [];
  const distChange: number[] = [];
  const groupChange: number[] = [];
  const newObject: number[] = [];
  const explicitGroups = input.groups.filter((g) => g.members.length > 0);
  for (let i = 0; i < o.samples; i++) {
    const a = r.pick(input.associations);
    assocChange.push(timeIt(() => engine.setAssociation({ ...a, accountId: r.pick(input.accounts).id })));
    const acct = r.pick(input.accounts.filter((x) => x.security === 'more-secure'));
    distChange.push(
      timeIt(() => engine.setAccount({ ...acct, approved: [...acct.approved, r.pick(agents)] })),
    );
    const g = r.pick(explicitGroups);
    groupChange.push(timeIt(() => engine.setGroup({ ...g, members: [...g.members, r.pick(hosted).id] })));
    const host = r.pick(hosted);
    newObject.push(
      timeIt(() =>
        engine.upsertObject({
          id: `obj_new_${i}`,
          classId: host.classId,
          hostId: host.id,
          name: `new${i}`,
          displayName: `new ${i}`,
          properties: { tier: r.int(10), env: 'prod' },
        }),
      ),
    );
    sample();
  }

  const kinds = {
    associationChange: assocChange,
    distributionChange: distChange,
    groupMembershipChange: groupChange,
    newObject,
  };
  /** One figure per kind of change, over its samples. */
  const perKind = (f: (xs: number[]) => number) =>
    Object.fromEntries(Object.entries(kinds).map(([k, xs]) => [k, round(f(xs), 3)]));

  const explainTarget = 2000;
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < explainTarget; i++) {
    const obj = r.pick(hosted);
    const wfs = engine.workflowsFor(obj.id);
    const w = wfs.length ? r.pick(wfs) : undefined;
    if (w?.profileId) {
      engine.candidates(w.profileId, obj.id);
      engine.resolveWorkflow(w.id, obj.id);
    }
  }
  const explainMs = ms(t2);
  sample();

  return {
    benchmark: 'resolve',
    shape: {
      agents: o.agents,
      objects: input.objects.length,
      classes: input.classes.length,
      groups: input.groups.length,
      profiles: o.profiles,
      workflows: input.workflows.length,
      accounts: input.accounts.length,
      associations: input.associations.length,
      configEntries: entries,
    },
    fullComputationMs: round(buildMs + configsMs, 0),
    engineBuildMs: round(buildMs, 0),
    configMaterialiseMs: round(configsMs, 0),
    peakRssMb: round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576, 0),
    incrementalMedianMs: perKind((xs) => median(xs)),
    incrementalP50Ms: perKind((xs) => percentile(xs, 50)),
    incrementalP99Ms: perKind((xs) => percentile(xs, 99)),
    incrementalMaxMs: perKind((xs) => Math.max(...xs)),
    explainPerSecond: round(explainTarget / (explainMs / 1000), 0),
    // The fleet-scale targets: a full computation under 2 s, each kind of incremental change under 5 ms at p99.
    goals: { fullComputationMs: 2000, incrementalP99Ms: 5, peakRssMb: 1536 },
  };
}
