// The synthetic world of the `notify` benchmark: a class tree, computers and hosted objects, groups, workflows,
// customers, subscriptions with realistic criteria mixes, and an alert storm; deterministic for a seed.
import type { ClassNode } from '../src/domain/inventory/class-tree.js';
import type { GroupDefinition, MemberObject } from '../src/domain/inventory/membership.js';
import type { AlertPriority, AlertSeverity, NotificationAlert } from '../src/domain/notify/alert.js';
import type { SubscriptionCriteria, TextCondition } from '../src/domain/notify/criteria.js';

export interface WorkloadSizes {
  subscriptions: number;
  subscribers: number;
  alerts: number;
  computers: number;
  objectsPerComputer: number;
  groups: number;
  workflows: number;
  customers: number;
  seed: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same world. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  /** `n` distinct items (fewer when the list is shorter). */
  const some = <T>(xs: readonly T[], n: number): T[] => {
    const out = new Set<T>();
    while (out.size < Math.min(n, xs.length)) out.add(pick(xs));
    return [...out];
  };
  /** One of the values, by weight. */
  const weighted = <T>(choices: readonly (readonly [T, number])[]): T => {
    let x = next() * choices.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of choices) {
      x -= w;
      if (x < 0) return v;
    }
    return choices[choices.length - 1]![0];
  };
  return { next, int, pick, some, weighted };
}

export const CLASS_PREFIX = 'Bench.Notify';
export const keywords = [
  'Disk',
  'CPU',
  'Memory',
  'SQL',
  'Backup',
  'Certificate',
  'Service',
  'Network',
  'Replication',
  'Logon',
  'Queue',
  'Cluster',
] as const;
const problems = ['is failing', 'is degraded', 'crossed its threshold', 'stopped responding', 'is full'];

export const workflowId = (i: number) => `${CLASS_PREFIX}.Workflow.${i}`;
export const groupId = (i: number) => `${CLASS_PREFIX}.Group.${i}`;
export const customerCode = (i: number) => `cust-${String(i).padStart(4, '0')}`;

/** How a subscription narrows what it sees, with the share of subscriptions that do it that way. */
export const scopeMix = [
  ['group', 25],
  ['class', 20],
  ['workflow', 15],
  ['customer', 20],
  ['name', 15],
  ['paging', 5],
] as const;
export type Scope = (typeof scopeMix)[number][0];

export interface BenchClass {
  id: string;
  baseClassId: string;
}

/** Below System.Application, four levels deep: 6 → 18 → 54 → 108 classes. */
export function benchClasses(): BenchClass[] {
  const out: BenchClass[] = [];
  let parents = ['System.Application'];
  for (const [depth, fan] of [
    [1, 6],
    [2, 3],
    [3, 3],
    [4, 2],
  ] as const) {
    const level: string[] = [];
    for (const p of parents)
      for (let i = 0; i < fan; i++) {
        const id = `${CLASS_PREFIX}.L${depth}.C${level.length}`;
        out.push({ id, baseClassId: p });
        level.push(id);
      }
    parents = level;
  }
  return out;
}

export const classNode = (id: string, baseClassId: string | null): ClassNode => ({
  id,
  baseClassId,
  abstract: false,
  keyProperties: [],
  properties: [],
});

/** Computers, each hosting a few objects of the deeper classes (the sources of most alerts). */
export function benchObjects(s: WorkloadSizes, classes: BenchClass[]): MemberObject[] {
  const r = rng(s.seed + 1);
  const deep = classes.filter((c) => /\.L[34]\./.test(c.id)).map((c) => c.id);
  const out: MemberObject[] = [];
  for (let c = 0; c < s.computers; c++) {
    const id = `cmp_${c}`;
    out.push({
      id,
      classId: 'System.Computer',
      hostId: null,
      name: `host${c}`,
      displayName: `host${c}`,
      properties: {},
    });
    for (let k = 0; k < s.objectsPerComputer; k++) {
      const oid = `obj_${c}_${k}`;
      out.push({
        id: oid,
        classId: r.pick(deep),
        hostId: id,
        name: `o${k}`,
        displayName: `object ${k} on host${c}`,
        properties: { env: r.pick(['prod', 'test', 'dev']) },
      });
    }
  }
  return out;
}

/**
 * Groups: two fifths list computers (their hosted objects are contained too), two fifths are class rules, one
 * fifth nest a few of the others. `withMembers` false leaves explicit members out (for a server without objects).
 */
export function benchGroups(s: WorkloadSizes, classes: BenchClass[], withMembers = true): GroupDefinition[] {
  const r = rng(s.seed + 2);
  const upper = classes.filter((c) => /\.L[12]\./.test(c.id)).map((c) => c.id);
  const out: GroupDefinition[] = [];
  for (let g = 0; g < s.groups; g++) {
    const kind = g % 5;
    if (kind < 2 && withMembers) {
      const members = Array.from({ length: 50 }, () => `cmp_${r.int(s.computers)}`);
      out.push({ id: groupId(g), members: [...new Set(members)], rules: [], subgroups: [] });
    } else if (kind < 4 || g < 5) {
      out.push({
        id: groupId(g),
        members: [],
        rules: [{ classId: r.pick(upper), conditions: [] }],
        subgroups: [],
      });
    } else {
      const earlier = out.slice(0, g).map((x) => x.id);
      out.push({ id: groupId(g), members: [], rules: [], subgroups: r.some(earlier, 2 + r.int(2)) });
    }
  }
  return out;
}

export interface BenchSubscription {
  scope: Scope;
  criteria: SubscriptionCriteria;
  /** Subscriber indexes. */
  to: number[];
  cc: number[];
}

/** Subscriptions: each narrowed by one scope, often by severity and priority too, sent to one to three people. */
export function benchSubscriptions(
  s: WorkloadSizes,
  classes: BenchClass[],
  count = s.subscriptions,
  firstSubscriber = 0,
): BenchSubscription[] {
  const r = rng(s.seed + 3);
  const scopedClasses = classes.filter((c) => !/\.L4\./.test(c.id)).map((c) => c.id);
  const people = Math.max(1, s.subscribers - firstSubscriber);
  const out: BenchSubscription[] = [];
  for (let i = 0; i < count; i++) {
    const scope = r.weighted(scopeMix);
    const criteria: {
      severities?: AlertSeverity[];
      priorities?: AlertPriority[];
      resolutionStates?: number[];
      classIds?: string[];
      groupIds?: string[];
      workflowIds?: string[];
      text?: TextCondition[];
    } = {};
    if (scope === 'paging') {
      criteria.severities = ['critical'];
      criteria.priorities = ['high'];
    } else {
      if (r.next() < 0.6) criteria.severities = r.next() < 0.5 ? ['critical'] : ['critical', 'warning'];
      if (r.next() < 0.3) criteria.priorities = r.next() < 0.5 ? ['high'] : ['high', 'medium'];
    }
    if (r.next() < 0.2) criteria.resolutionStates = [0];
    switch (scope) {
      case 'group':
        criteria.groupIds = Array.from({ length: 1 + r.int(3) }, () => groupId(r.int(s.groups)));
        break;
      case 'class':
        criteria.classIds = r.some(scopedClasses, 1 + r.int(2));
        break;
      case 'workflow':
        criteria.workflowIds = Array.from({ length: 1 + r.int(5) }, () => workflowId(r.int(s.workflows)));
        break;
      case 'customer':
        criteria.text = [{ field: 'custom1', op: 'equals', value: customerCode(r.int(s.customers)) }];
        break;
      case 'name': {
        const k = r.pick(keywords);
        criteria.text = [
          r.next() < 0.5
            ? { field: 'name', op: 'contains', value: k }
            : { field: 'name', op: 'like', value: `${k} *` },
        ];
        break;
      }
      case 'paging':
        break;
    }
    const to = [...new Set(Array.from({ length: 1 + r.int(3) }, () => firstSubscriber + r.int(people)))];
    const cc = r.next() < 0.2 ? [firstSubscriber + r.int(people)].filter((x) => !to.includes(x)) : [];
    out.push({ scope, criteria, to, cc });
  }
  return out;
}

/** The storm: alerts about the objects (now and then a computer), of every severity, from many workflows. */
export function benchAlerts(s: WorkloadSizes, objects: MemberObject[]): NotificationAlert[] {
  const r = rng(s.seed + 4);
  const at = new Date('2024-06-01T08:00:00Z');
  const out: NotificationAlert[] = [];
  for (let i = 0; i < s.alerts; i++) {
    const source = r.pick(objects);
    const host = source.hostId ?? source.id;
    const closed = r.next() < 0.1;
    out.push({
      id: `alrt_${i}`,
      name: `${r.pick(keywords)} ${r.pick(problems)} on ${host}`,
      description: `Synthetic alert ${i} of the notify benchmark`,
      severity: r.weighted([
        ['critical', 15],
        ['warning', 45],
        ['information', 40],
      ] as const),
      priority: r.weighted([
        ['high', 20],
        ['medium', 50],
        ['low', 30],
      ] as const),
      resolutionState: closed ? 255 : 0,
      resolutionStateName: closed ? 'Closed' : 'New',
      sourceObjectId: source.id,
      sourceName: source.displayName,
      sourceClassId: source.classId,
      workflowId: workflowId(r.int(s.workflows)),
      workflowName: null,
      timeRaised: at,
      timeResolved: null,
      lastModified: at,
      owner: null,
      ticketId: null,
      repeatCount: 0,
      custom: { '1': customerCode(r.int(s.customers)) },
      category: 'PerformanceHealth',
    });
  }
  return out;
}
