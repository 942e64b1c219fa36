// The subscription index against the scan it replaces: for random subscriptions and alerts (every kind of
// condition, wildcards, case folding beyond ASCII, lines of descent, nested groups) the index finds exactly the
// subscriptions that `matches()` finds by trying them all, and far fewer candidates than there are subscriptions.
import { describe, expect, it } from 'vitest';
import type { AlertPriority, AlertSeverity, NotificationAlert } from './alert.js';
import { matches, type SubscriptionCriteria, type TextCondition } from './criteria.js';
import { createSubscriptionIndex, type IndexContext } from './subscription-index.js';

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]) => list[int(list.length)]!;
  return { next, int, pick };
}

const severities: AlertSeverity[] = ['information', 'warning', 'critical'];
const priorities: AlertPriority[] = ['low', 'medium', 'high'];
// Classes: C0 is the root; Ci derives from C(floor((i-1)/2)).
const classIds = Array.from({ length: 15 }, (_, i) => `C${i}`);
const baseOf = (i: number) => (i === 0 ? null : Math.floor((i - 1) / 2));
const ancestors = (cls: string) => {
  const out = [];
  for (let i: number | null = Number(cls.slice(1)); i !== null; i = baseOf(i)) out.push(`C${i}`);
  return out;
};
const objectIds = Array.from({ length: 40 }, (_, i) => `obj${i}`);
const groupIds = Array.from({ length: 12 }, (_, i) => `grp${i}`);
// Object i is in the groups whose number divides i + 1 (a group of every object, of every second one, …).
const groupsOf = (obj: string) => {
  const n = Number(obj.slice(3)) + 1;
  return groupIds.filter((_, g) => n % (g + 1) === 0);
};
const ctx: IndexContext = {
  isA: (c, base) => ancestors(c).includes(base),
  inGroup: (o, g) => groupsOf(o).includes(g),
  classAndAncestors: ancestors,
  groupsOf,
};
const words = [
  'disk',
  'Disk',
  'DISK',
  'memory',
  'ſql',
  'SQL',
  'straße',
  'KELVIN',
  'kelvin',
  'a',
  'ok',
  'cpu load',
];
const workflows = Array.from({ length: 8 }, (_, i) => `wf${i}`);

function randomCondition(r: ReturnType<typeof rng>): TextCondition {
  const word = r.pick(words);
  const op = r.pick(['equals', 'like', 'contains'] as const);
  const field = r.pick(['name', 'description', 'custom1', 'owner'] as const);
  const value =
    op === 'like' ? r.pick([`${word}*`, `*${word}`, `${word} ?*`, `?${word}*`, '*', `${word}`]) : word;
  return { field, op, value };
}

function randomCriteria(r: ReturnType<typeof rng>): SubscriptionCriteria {
  const c: {
    -readonly [K in keyof SubscriptionCriteria]: SubscriptionCriteria[K];
  } = {};
  if (r.next() < 0.4) c.severities = severities.filter(() => r.next() < 0.5);
  if (r.next() < 0.3) c.priorities = priorities.filter(() => r.next() < 0.5);
  if (r.next() < 0.2) c.resolutionStates = [r.pick([0, 255])];
  if (r.next() < 0.2) c.workflowIds = [r.pick(workflows), r.pick(workflows)];
  if (r.next() < 0.3) c.classIds = [r.pick(classIds)];
  if (r.next() < 0.3) c.groupIds = [r.pick(groupIds), r.pick(groupIds)];
  if (r.next() < 0.5) c.text = Array.from({ length: 1 + r.int(2) }, () => randomCondition(r));
  return c;
}

function randomAlert(r: ReturnType<typeof rng>, i: number): NotificationAlert {
  const phrase = () => `${r.pick(words)} ${r.pick(words)}${r.next() < 0.5 ? ` ${r.pick(words)}` : ''}`;
  const object = r.next() < 0.9 ? r.pick(objectIds) : null;
  return {
    id: `alert${i}`,
    name: phrase(),
    description: phrase(),
    severity: r.pick(severities),
    priority: r.pick(priorities),
    resolutionState: r.pick([0, 255]),
    owner: r.next() < 0.5 ? r.pick(words) : null,
    ticketId: null,
    category: null,
    custom: r.next() < 0.7 ? { '1': r.pick(words) } : {},
    sourceObjectId: object,
    sourceClassId: object ? r.pick(classIds) : null,
    workflowId: r.next() < 0.8 ? r.pick(workflows) : null,
    repeatCount: 0,
  } as unknown as NotificationAlert;
}

describe('subscription index', () => {
  it('finds exactly the subscriptions a scan finds, for random criteria and alerts', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed);
      const subs = Array.from({ length: 400 }, (_, i) => ({ id: `sub${i}`, criteria: randomCriteria(r) }));
      const index = createSubscriptionIndex(subs);
      let candidates = 0;
      for (let i = 0; i < 400; i++) {
        const alert = randomAlert(r, i);
        const scanned = subs.filter((s) => matches(s.criteria, alert, ctx)).map((s) => s.id);
        const found = index.matching(alert, ctx).map((s) => s.id);
        expect(found, `seed ${seed}, alert ${i}`).toEqual(scanned);
        candidates += index.candidates(alert, ctx).length;
      }
      // Narrowing is the point: far fewer candidates than subscriptions on average.
      expect(candidates / 400).toBeLessThan(subs.length / 2);
    }
  });

  it('files a subscription under each of its classes and groups but names it once', () => {
    const subs = [
      { id: 'two-classes', criteria: { classIds: ['C0', 'C1'] } },
      { id: 'two-groups', criteria: { groupIds: ['grp0', 'grp1'] } },
    ];
    const index = createSubscriptionIndex(subs);
    // obj1 is in grp0 and grp1; C3 derives from C1 and C0.
    const alert = { ...randomAlert(rng(9), 0), sourceObjectId: 'obj1', sourceClassId: 'C3' };
    expect(index.candidates(alert, ctx).map((s) => s.id)).toEqual(['two-classes', 'two-groups']);
  });

  it('finds a case-folded text beyond ASCII through equals and literal text alike', () => {
    const subs = [
      { id: 'equals', criteria: { text: [{ field: 'name', op: 'equals', value: 'SQL' }] } },
      { id: 'contains', criteria: { text: [{ field: 'description', op: 'contains', value: 'ſql' }] } },
      { id: 'kelvin', criteria: { text: [{ field: 'name', op: 'like', value: '*\u212Aelvin*' }] } },
    ] as { id: string; criteria: SubscriptionCriteria }[];
    const index = createSubscriptionIndex(subs);
    const alert = { ...randomAlert(rng(10), 0), name: 'ſql', description: 'the SQL server' };
    expect(index.matching(alert, ctx).map((s) => s.id)).toEqual(['equals', 'contains']);
    const kelvin = { ...alert, name: 'Low KELVIN reading' };
    expect(index.matching(kelvin, ctx).map((s) => s.id)).toEqual(['contains', 'kelvin']);
  });

  it('tries every text condition a bit set does not settle, shared ones once per alert with that alert', () => {
    const subs = [
      { id: 'one-equals', criteria: { text: [{ field: 'custom1', op: 'equals', value: 'Disk' }] } },
      {
        id: 'two-equals',
        criteria: {
          text: [
            { field: 'custom1', op: 'equals', value: 'disk' },
            { field: 'custom1', op: 'equals', value: 'SQL' },
          ],
        },
      },
      {
        id: 'same-twice',
        criteria: {
          text: [
            { field: 'custom1', op: 'equals', value: 'DISK' },
            { field: 'custom1', op: 'equals', value: 'disk' },
          ],
        },
      },
      {
        id: 'equals-and-like',
        criteria: {
          text: [
            { field: 'custom1', op: 'equals', value: 'disk' },
            { field: 'custom1', op: 'like', value: 'd*k' },
          ],
        },
      },
      { id: 'contains', criteria: { text: [{ field: 'name', op: 'contains', value: 'disk' }] } },
      { id: 'contains-too', criteria: { text: [{ field: 'name', op: 'contains', value: 'disk' }] } },
    ] as { id: string; criteria: SubscriptionCriteria }[];
    const index = createSubscriptionIndex(subs);
    const base = randomAlert(rng(12), 0);
    const disk = { ...base, name: 'disk full', custom: { '1': 'dIsK' } };
    const sql = { ...base, name: 'cpu load', custom: { '1': 'sql' } };
    for (const alert of [disk, sql, disk, { ...disk, name: 'memory' }, sql])
      expect(index.matching(alert, ctx).map((s) => s.id)).toEqual(
        subs.filter((s) => matches(s.criteria, alert, ctx)).map((s) => s.id),
      );
    expect(index.matching(disk, ctx).map((s) => s.id)).toEqual([
      'one-equals',
      'same-twice',
      'equals-and-like',
      'contains',
      'contains-too',
    ]);
    expect(index.matching(sql, ctx).map((s) => s.id)).toEqual([]);
  });

  it('follows a line of descent that changes between alerts of the same class', () => {
    const index = createSubscriptionIndex([
      { id: 'base-a', criteria: { classIds: ['A'] } },
      { id: 'base-b', criteria: { classIds: ['B'] } },
    ]);
    let line = ['X', 'A'];
    const moving: IndexContext = { ...ctx, classAndAncestors: () => line };
    const alert = { ...randomAlert(rng(13), 0), sourceClassId: 'X' };
    expect(index.matching(alert, moving).map((s) => s.id)).toEqual(['base-a']);
    line = ['X', 'B'];
    expect(index.matching(alert, moving).map((s) => s.id)).toEqual(['base-b']);
    line.push('A'); // in place
    expect(index.matching(alert, moving).map((s) => s.id)).toEqual(['base-a', 'base-b']);
    line = ['X'];
    expect(index.matching(alert, moving).map((s) => s.id)).toEqual([]);
  });

  it('answers the same after it forgets the masks it kept (more values asked for than it keeps)', () => {
    const n = 2500;
    const subs = [
      { id: 'any', criteria: {} },
      ...Array.from({ length: n }, (_, i) => ({ id: `wf${i}`, criteria: { workflowIds: [`W${i}`] } })),
    ];
    const index = createSubscriptionIndex(subs);
    const base = randomAlert(rng(11), 0);
    // Twice round: the second time each value's mask is made again or found kept, never another value's.
    for (const round of [1, 2])
      for (let i = 0; i < n; i++) {
        const found = index.matching({ ...base, workflowId: `W${i}` }, ctx).map((s) => s.id);
        expect(found, `round ${round}, W${i}`).toEqual(['any', `wf${i}`]);
      }
    expect(index.matching({ ...base, workflowId: 'unknown' }, ctx).map((s) => s.id)).toEqual(['any']);
  });
});
