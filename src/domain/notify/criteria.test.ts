// Proves subscription criteria (R43: AND of conditions, OR within one, classes by derivation, groups by containment,
// wildcards, watcher sources of R46) and the notify/wait/skip decisions of R44 and R45 (updates, delay, repeats).
import { describe, expect, it } from 'vitest';
import { type ClassNode, createClassTree } from '../inventory/class-tree.js';
import { createMembershipIndex, type MemberObject } from '../inventory/membership.js';
import type { NotificationAlert } from './alert.js';
import {
  type AlertChange,
  type CriteriaContext,
  classifyChange,
  type DeliveryPolicy,
  decideNotification,
  initialMatchState,
  type MatchState,
  matches,
  type NotifyDecision,
  type SubscriptionCriteria,
  textConditionHolds,
  textFields,
  unmetCriteria,
} from './criteria.js';

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
  cls('Windows.Computer', 'System.Computer'),
  cls('System.ResourcePool', 'System.Entity'),
  cls('HealthService.Watcher', 'System.Entity'),
  cls('SQL.Server.Instance', 'System.Entity'),
  cls('SQL.Server.Instance.Clustered', 'SQL.Server.Instance'),
]);
const obj = (id: string, classId: string, hostId: string | null): MemberObject => ({
  id,
  classId,
  hostId,
  name: id,
  displayName: id,
  properties: {},
});
const membership = createMembershipIndex({
  tree,
  objects: [
    obj('cmp_web1', 'Windows.Computer', null),
    obj('cmp_web2', 'Windows.Computer', null),
    obj('cmp_sql1', 'Windows.Computer', null),
    obj('obj_sql1', 'SQL.Server.Instance.Clustered', 'cmp_sql1'),
    obj('pool_ms', 'System.ResourcePool', null),
    // Heartbeat watchers live on the management servers' pool, not on the computers they watch.
    obj('watch_web1', 'HealthService.Watcher', 'pool_ms'),
    obj('watch_web2', 'HealthService.Watcher', 'pool_ms'),
  ],
  groups: [
    { id: 'grp_windows_servers', members: ['cmp_web1', 'cmp_web2', 'cmp_sql1'], rules: [], subgroups: [] },
    {
      id: 'grp_sql',
      members: [],
      rules: [{ classId: 'SQL.Server.Instance', conditions: [] }],
      subgroups: [],
    },
    { id: 'grp_web_watchers', members: ['watch_web1', 'watch_web2'], rules: [], subgroups: [] },
    { id: 'grp_all_servers', members: [], rules: [], subgroups: ['grp_windows_servers'] },
  ],
});
const ctx: CriteriaContext = {
  isA: (id, base) => tree.isA(id, base),
  inGroup: (objectId, groupId) => membership.membersOf(groupId).has(objectId),
};

const alert = (extra: Partial<NotificationAlert> = {}): NotificationAlert => ({
  id: 'alrt_01',
  name: 'Disk full',
  description: 'Drive C: has 1% free space',
  severity: 'critical',
  priority: 'high',
  resolutionState: 0,
  resolutionStateName: 'New',
  sourceObjectId: 'cmp_web1',
  sourceName: 'web1',
  sourceClassId: 'Windows.Computer',
  workflowId: 'Windows.FreeSpace.Monitor',
  workflowName: 'Free space',
  timeRaised: new Date('2024-01-15T12:00:00Z'),
  timeResolved: null,
  lastModified: new Date('2024-01-15T12:00:00Z'),
  owner: null,
  ticketId: null,
  repeatCount: 0,
  custom: {},
  category: null,
  ...extra,
});

describe('criteria', () => {
  it('matches every alert when there are no criteria, or only empty lists', () => {
    expect(matches({}, alert(), ctx)).toBe(true);
    expect(matches({ severities: [], groupIds: [], text: [] }, alert({ sourceObjectId: null }), ctx)).toBe(
      true,
    );
  });

  it('ands the conditions: only critical, high, new alerts pass (S33)', () => {
    const criteria: SubscriptionCriteria = {
      severities: ['critical'],
      priorities: ['high'],
      resolutionStates: [0],
    };
    expect(matches(criteria, alert(), ctx)).toBe(true);
    expect(matches(criteria, alert({ priority: 'medium' }), ctx)).toBe(false);
    expect(matches(criteria, alert({ severity: 'warning' }), ctx)).toBe(false);
    expect(matches(criteria, alert({ resolutionState: 255 }), ctx)).toBe(false);
  });

  it('ors the values within one condition', () => {
    const criteria: SubscriptionCriteria = { severities: ['critical', 'warning'], resolutionStates: [0, 15] };
    expect(matches(criteria, alert({ severity: 'warning', resolutionState: 15 }), ctx)).toBe(true);
    expect(matches(criteria, alert({ severity: 'information' }), ctx)).toBe(false);
  });

  it('says which conditions an alert fails, in order', () => {
    const criteria: SubscriptionCriteria = {
      severities: ['warning'],
      priorities: ['high'],
      workflowIds: ['Other.Rule'],
      text: [
        { field: 'name', op: 'like', value: 'Disk*' },
        { field: 'owner', op: 'equals', value: 'ann' },
      ],
    };
    expect(unmetCriteria(criteria, alert(), ctx)).toEqual(['severities', 'workflowIds', 'text[1]']);
  });

  it('matches a source of the class or of a class derived from it', () => {
    const sqlAlert = alert({ sourceObjectId: 'obj_sql1', sourceClassId: 'SQL.Server.Instance.Clustered' });
    expect(matches({ classIds: ['SQL.Server.Instance'] }, sqlAlert, ctx)).toBe(true);
    expect(matches({ classIds: ['SQL.Server.Instance.Clustered'] }, sqlAlert, ctx)).toBe(true);
    expect(matches({ classIds: ['System.Computer'] }, sqlAlert, ctx)).toBe(false);
    expect(matches({ classIds: ['System.Computer', 'SQL.Server.Instance'] }, sqlAlert, ctx)).toBe(true);
    expect(matches({ classIds: ['System.Computer'] }, alert(), ctx)).toBe(true);
    expect(matches({ classIds: ['SQL.Server.Instance'] }, alert(), ctx)).toBe(false);
  });

  it('fails class and group conditions for an alert without a source', () => {
    const sourceless = alert({ sourceObjectId: null, sourceClassId: null });
    expect(
      unmetCriteria({ classIds: ['System.Entity'], groupIds: ['grp_windows_servers'] }, sourceless, ctx),
    ).toEqual(['classIds', 'groupIds']);
  });

  it('matches a source contained in the group, also through hosting and nested groups', () => {
    const onComputer = alert({ sourceObjectId: 'obj_sql1', sourceClassId: 'SQL.Server.Instance.Clustered' });
    expect(matches({ groupIds: ['grp_windows_servers'] }, onComputer, ctx)).toBe(true); // hosted by cmp_sql1
    expect(matches({ groupIds: ['grp_all_servers'] }, onComputer, ctx)).toBe(true); // nested group
    expect(matches({ groupIds: ['grp_sql'] }, onComputer, ctx)).toBe(true); // rule on a base class
    expect(matches({ groupIds: ['grp_sql'] }, alert(), ctx)).toBe(false);
    expect(matches({ groupIds: ['grp_sql', 'grp_windows_servers'] }, alert(), ctx)).toBe(true);
  });

  it('does not catch a heartbeat alert in a computer group, whose source is the watcher (S35, R46)', () => {
    const heartbeat = alert({
      name: 'Health Service Heartbeat Failure',
      sourceObjectId: 'watch_web1',
      sourceClassId: 'HealthService.Watcher',
      sourceKind: 'watcher',
    });
    expect(matches({ groupIds: ['grp_windows_servers'] }, heartbeat, ctx)).toBe(false);
    expect(matches({ groupIds: ['grp_all_servers'] }, heartbeat, ctx)).toBe(false);
    expect(matches({ groupIds: ['grp_web_watchers'] }, heartbeat, ctx)).toBe(true);
    expect(matches({ classIds: ['System.Computer'] }, heartbeat, ctx)).toBe(false);
  });

  it('matches alerts created by the listed rules or monitors only', () => {
    const criteria = { workflowIds: ['Windows.FreeSpace.Monitor', 'Windows.Cpu.Rule'] };
    expect(matches(criteria, alert(), ctx)).toBe(true);
    expect(matches(criteria, alert({ workflowId: 'Other' }), ctx)).toBe(false);
    expect(matches(criteria, alert({ workflowId: null }), ctx)).toBe(false);
  });
});

describe('text conditions', () => {
  const holds = (
    value: string,
    op: 'equals' | 'like' | 'contains',
    pattern: string,
    field = 'name' as const,
  ) => textConditionHolds(alert({ [field]: value }), { field, op, value: pattern });

  it('compares whole texts ignoring case for equals, with wildcards taken literally', () => {
    expect(holds('Disk Full', 'equals', 'disk full')).toBe(true);
    expect(holds('Disk Full', 'equals', 'disk')).toBe(false);
    expect(holds('Disk Full', 'equals', 'disk*')).toBe(false);
    expect(holds('disk*', 'equals', 'DISK*')).toBe(true);
    expect(holds('ÉCHEC', 'equals', 'échec')).toBe(true);
  });

  it('matches like patterns against the whole text', () => {
    expect(holds('Disk full on C:', 'like', 'disk*')).toBe(true);
    expect(holds('Disk full on C:', 'like', '*c:')).toBe(true);
    expect(holds('Disk full on C:', 'like', 'full')).toBe(false);
    expect(holds('Disk full on C:', 'like', '*full*')).toBe(true);
    expect(holds('', 'like', '*')).toBe(true);
    expect(holds('anything', 'like', '')).toBe(false);
  });

  it('matches exactly one character with ?', () => {
    expect(holds('SRV1', 'like', 'srv?')).toBe(true);
    expect(holds('SRV12', 'like', 'srv?')).toBe(false);
    expect(holds('SRV', 'like', 'srv?')).toBe(false);
    expect(holds('srv😀', 'like', 'srv?')).toBe(true); // one code point, not one UTF-16 unit
  });

  it('takes escaped wildcards and regular-expression characters literally', () => {
    expect(holds('disk*', 'like', 'disk\\*')).toBe(true);
    expect(holds('disks', 'like', 'disk\\*')).toBe(false);
    expect(holds('why?', 'like', 'why\\?')).toBe(true);
    expect(holds('whyy', 'like', 'why\\?')).toBe(false);
    expect(holds('a\\b', 'like', 'a\\\\b')).toBe(true);
    expect(holds('a\\b', 'like', 'a\\b')).toBe(true); // a backslash before anything else is itself
    expect(holds('cpu (90%) [x] {y} ^$ | a+b.c/d-e', 'like', 'cpu (90%) [x] {y} ^$ | a+b.c/d-e')).toBe(true);
    expect(holds('cpuX90%', 'like', 'cpu.90%')).toBe(false);
  });

  it('lets wildcards span line breaks', () => {
    expect(holds('line one\nline two', 'like', 'line*two')).toBe(true);
    expect(holds('a\nb', 'like', 'a?b')).toBe(true);
  });

  it('finds text anywhere with contains, wildcards included', () => {
    expect(holds('The disk is FULL now', 'contains', 'full')).toBe(true);
    expect(holds('The disk is FULL now', 'contains', 'disk*now')).toBe(true);
    expect(holds('The disk is FULL now', 'contains', 'empty')).toBe(false);
    expect(holds('anything', 'contains', '')).toBe(true);
  });

  it('reads custom fields, owner, ticket and category, and a missing field as empty text', () => {
    const a = alert({
      custom: { '3': 'Tier-1', '10': 'EMEA' },
      owner: 'ann',
      ticketId: 'INC-7',
      category: 'Perf',
    });
    expect(textConditionHolds(a, { field: 'custom3', op: 'like', value: 'tier-?' })).toBe(true);
    expect(textConditionHolds(a, { field: 'custom10', op: 'equals', value: 'emea' })).toBe(true);
    expect(textConditionHolds(a, { field: 'custom1', op: 'equals', value: '' })).toBe(true);
    expect(textConditionHolds(a, { field: 'custom1', op: 'like', value: '?*' })).toBe(false);
    expect(textConditionHolds(a, { field: 'owner', op: 'equals', value: 'ANN' })).toBe(true);
    expect(textConditionHolds(a, { field: 'ticketId', op: 'like', value: 'INC-*' })).toBe(true);
    expect(textConditionHolds(a, { field: 'category', op: 'contains', value: 'er' })).toBe(true);
    expect(textConditionHolds(alert(), { field: 'owner', op: 'equals', value: '' })).toBe(true);
    expect(textConditionHolds(alert(), { field: 'description', op: 'contains', value: '1%' })).toBe(true);
  });

  it('offers the ten custom fields', () => {
    expect(textFields.filter((f) => f.startsWith('custom'))).toHaveLength(10);
  });

  it('ands several text conditions, even on the same field', () => {
    const criteria: SubscriptionCriteria = {
      text: [
        { field: 'name', op: 'contains', value: 'disk' },
        { field: 'name', op: 'contains', value: 'full' },
      ],
    };
    expect(matches(criteria, alert({ name: 'Disk full' }), ctx)).toBe(true);
    expect(matches(criteria, alert({ name: 'Disk slow' }), ctx)).toBe(false);
  });

  it('finds a value ending in a backslash with contains, the backslash taken literally', () => {
    expect(holds('Disk full on C:\\ now', 'contains', 'c:\\')).toBe(true);
    expect(holds('C:\\', 'contains', 'C:\\')).toBe(true);
    expect(holds('C:*', 'contains', 'C:\\')).toBe(false);
    expect(holds('C:\\', 'like', 'C:\\')).toBe(true);
    expect(holds('a*b', 'contains', 'a\\*')).toBe(true);
    expect(holds('ab', 'contains', 'a\\*')).toBe(false);
    expect(holds('x\\y', 'contains', '\\')).toBe(true);
    expect(holds('xy', 'contains', '\\')).toBe(false);
  });

  it('ignores case by Unicode case folding, one code point for one', () => {
    expect(holds('ſystem', 'equals', 'SYSTEM')).toBe(true); // long s folds to s
    expect(holds('\u212Aelvin', 'like', 'k*')).toBe(true); // Kelvin sign folds to k
    expect(holds('ΣΊΣΥΦΟΣ', 'contains', 'σίσυφος')).toBe(true);
    expect(holds('straße', 'equals', 'STRASSE')).toBe(false); // ß is one code point, SS two
    expect(holds('ı', 'equals', 'i')).toBe(false); // dotless i folds to itself
    expect(holds('İ', 'equals', 'i')).toBe(false);
  });

  it('compares code points, never half of a surrogate pair', () => {
    expect(holds('😀', 'contains', '\uD83D')).toBe(false);
    expect(holds('a😀', 'like', 'a\uD83D*')).toBe(false);
    expect(holds('x\uD83D', 'like', '*\uD83D')).toBe(true);
    expect(holds('😀x', 'like', '?x')).toBe(true);
  });

  it('matches pathological patterns in linear time, not exponential', () => {
    const started = performance.now();
    expect(holds('a'.repeat(10_000), 'like', '*a*a*a*a*a*a*!')).toBe(false);
    expect(holds('a'.repeat(10_000), 'contains', 'a*a*a*a*a*a*!')).toBe(false);
    expect(holds(`${'a'.repeat(10_000)}!`, 'like', '*a*a*a*a*a*a*!')).toBe(true);
    expect(holds('ab'.repeat(5_000), 'like', '*?*?*?*?*?*?*c')).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000); // the backtracking expression took seconds
  });
});

describe('classifyChange', () => {
  it('calls an alert not seen before raised', () => {
    expect(classifyChange(null, alert())).toBe('raised');
  });

  it('puts a resolution-state change first, even when the repeat count also rose', () => {
    expect(classifyChange(alert(), alert({ resolutionState: 255, repeatCount: 1 }))).toBe(
      'resolution-changed',
    );
  });

  it('calls a higher repeat count a repeat, even if the repeat also changed severity or description', () => {
    expect(classifyChange(alert(), alert({ repeatCount: 1 }))).toBe('repeated');
    expect(classifyChange(alert(), alert({ repeatCount: 2, severity: 'warning', description: 'new' }))).toBe(
      'repeated',
    );
  });

  it('calls a change of a notable field an update', () => {
    expect(classifyChange(alert(), alert({ owner: 'ann' }))).toBe('updated');
    expect(classifyChange(alert(), alert({ priority: 'low' }))).toBe('updated');
    expect(classifyChange(alert(), alert({ custom: { '2': 'x' } }))).toBe('updated');
  });

  it('ignores bookkeeping-only changes and an empty custom field that appeared', () => {
    const later = new Date('2024-01-15T13:00:00Z');
    expect(classifyChange(alert(), alert({ lastModified: later, lastModifiedBy: 'bob' }))).toBe('unchanged');
    expect(classifyChange(alert({ custom: {} }), alert({ custom: { '2': '' } }))).toBe('unchanged');
  });
});

/* ---------------------------------------------------------------------------------------------------------- */

const T0 = Date.parse('2024-01-15T12:00:00Z');
const t = (seconds: number) => new Date(T0 + seconds * 1000);

/** Feeds observations in order (`at` = `now` = t(seconds)) and returns each decision. */
function run(
  policy: DeliveryPolicy,
  steps: readonly [seconds: number, change: AlertChange, matches: boolean][],
  start: MatchState = initialMatchState,
): NotifyDecision[] {
  let state = start;
  return steps.map(([s, change, isMatch]) => {
    const out = decideNotification(policy, state, { change, matches: isMatch, at: t(s) }, t(s));
    state = out.state;
    return out.decision;
  });
}

const now = { delaySeconds: 0, onlyOnResolutionChange: false };
const notify = (reason: string) => ({ kind: 'notify-now', reason });
const skip = (reason: string) => ({ kind: 'skip', reason });
const wait = (seconds: number, reason: string) => ({ kind: 'wait-until', at: t(seconds), reason });

describe('decideNotification without delay (R44)', () => {
  it('notifies when an alert is raised matching, and not otherwise', () => {
    expect(run(now, [[0, 'raised', true]])).toEqual([notify('started-matching')]);
    expect(run(now, [[0, 'raised', false]])).toEqual([skip('not-matching')]);
  });

  it('notifies again on each update and resolution change of a matching alert', () => {
    expect(
      run(now, [
        [0, 'raised', true],
        [60, 'updated', true],
        [120, 'resolution-changed', true],
        [180, 'unchanged', true],
      ]),
    ).toEqual([
      notify('started-matching'),
      notify('updated'),
      notify('resolution-changed'),
      skip('unchanged'),
    ]);
  });

  it('with onlyOnResolutionChange, notifies the first match and resolution changes only', () => {
    const policy = { delaySeconds: 0, onlyOnResolutionChange: true };
    expect(
      run(policy, [
        [0, 'raised', true],
        [60, 'updated', true],
        [120, 'resolution-changed', true],
      ]),
    ).toEqual([notify('started-matching'), skip('not-a-resolution-change'), notify('resolution-changed')]);
  });

  it('notifies when an update brings a non-matching alert into the criteria', () => {
    const policy = { delaySeconds: 0, onlyOnResolutionChange: true };
    expect(
      run(policy, [
        [0, 'raised', false],
        [60, 'updated', true],
      ]),
    ).toEqual([skip('not-matching'), notify('started-matching')]);
  });

  it('does not notify a change that takes the alert out of the criteria', () => {
    // e.g. criteria "resolution state New": closing the alert leaves the criteria.
    expect(
      run(now, [
        [0, 'raised', true],
        [60, 'resolution-changed', false],
      ]),
    ).toEqual([notify('started-matching'), skip('not-matching')]);
  });

  it('notifies a suppressed alert once, until it is closed and raised again (R45)', () => {
    expect(
      run(now, [
        [0, 'raised', true],
        [10, 'repeated', true],
        [20, 'repeated', true],
        [30, 'repeated', true],
        [40, 'resolution-changed', true], // closed; the subscription has no resolution-state condition
      ]),
    ).toEqual([
      notify('started-matching'),
      skip('repeated'),
      skip('repeated'),
      skip('repeated'),
      notify('resolution-changed'),
    ]);
    // Raising it again after closing makes a new alert, observed from a fresh state.
    expect(run(now, [[50, 'raised', true]])).toEqual([notify('started-matching')]);
  });
});

describe('decideNotification with a delay (R45)', () => {
  const delayed = { delaySeconds: 300, onlyOnResolutionChange: false };

  it('holds a match back for the whole delay, then sends it', () => {
    expect(
      run(delayed, [
        [0, 'raised', true],
        [299, 'unchanged', true],
        [300, 'unchanged', true],
        [360, 'unchanged', true],
      ]),
    ).toEqual([
      wait(300, 'started-matching'),
      wait(300, 'started-matching'),
      notify('started-matching'),
      skip('unchanged'),
    ]);
  });

  it('counts the delay from the change, not from when the notifier first saw it', () => {
    const out = decideNotification(
      delayed,
      initialMatchState,
      { change: 'raised', matches: true, at: t(0) },
      t(50),
    );
    expect(out.decision).toEqual(wait(300, 'started-matching'));
    const late = decideNotification(
      delayed,
      initialMatchState,
      { change: 'raised', matches: true, at: t(0) },
      t(400),
    );
    expect(late.decision).toEqual(notify('started-matching'));
  });

  it('sends nothing when the alert stops matching before the delay ends', () => {
    expect(
      run(delayed, [
        [0, 'raised', true],
        [100, 'updated', false],
        [300, 'unchanged', false],
        [900, 'unchanged', false],
      ]),
    ).toEqual([
      wait(300, 'started-matching'),
      skip('stopped-matching'),
      skip('not-matching'),
      skip('not-matching'),
    ]);
  });

  it('starts a full new delay when the alert matches again, and sends once it has lasted', () => {
    expect(
      run(delayed, [
        [0, 'raised', true],
        [100, 'updated', false],
        [200, 'updated', true],
        [300, 'unchanged', true],
        [500, 'unchanged', true],
      ]),
    ).toEqual([
      wait(300, 'started-matching'),
      skip('stopped-matching'),
      wait(500, 'started-matching'),
      wait(500, 'started-matching'),
      notify('started-matching'),
    ]);
  });

  it('never sends for an alert that keeps flapping faster than the delay', () => {
    const steps: [number, AlertChange, boolean][] = [[0, 'raised', true]];
    for (let s = 100; s <= 2000; s += 100) steps.push([s, 'updated', s % 200 === 0]);
    expect(run(delayed, steps).some((d) => d.kind === 'notify-now')).toBe(false);
  });

  it('folds changes made while waiting into the one notification owed', () => {
    expect(
      run(delayed, [
        [0, 'raised', true],
        [100, 'updated', true],
        [150, 'resolution-changed', true],
        [300, 'unchanged', true],
        [301, 'unchanged', true],
      ]),
    ).toEqual([
      wait(300, 'started-matching'),
      wait(300, 'started-matching'),
      wait(300, 'started-matching'),
      notify('started-matching'),
      skip('unchanged'),
    ]);
  });

  it('sends an update at once when the alert has already matched for longer than the delay', () => {
    expect(
      run(delayed, [
        [0, 'raised', true],
        [300, 'unchanged', true],
        [1000, 'updated', true],
      ]),
    ).toEqual([wait(300, 'started-matching'), notify('started-matching'), notify('updated')]);
  });

  it('keeps the stronger reason when an update and a resolution change wait together', () => {
    const matched: MatchState = { matchingSince: t(0), pending: null };
    const policy = { delaySeconds: 300, onlyOnResolutionChange: false };
    expect(
      run(
        policy,
        [
          [100, 'updated', true],
          [150, 'resolution-changed', true],
          [200, 'updated', true],
          [300, 'unchanged', true],
        ],
        matched,
      ),
    ).toEqual([
      wait(300, 'updated'),
      wait(300, 'resolution-changed'),
      wait(300, 'resolution-changed'),
      notify('resolution-changed'),
    ]);
  });

  it('does not let repeats notify during or after the delay', () => {
    expect(
      run(delayed, [
        [0, 'raised', true],
        [100, 'repeated', true],
        [300, 'repeated', true],
        [400, 'repeated', true],
      ]),
    ).toEqual([
      wait(300, 'started-matching'),
      wait(300, 'started-matching'),
      notify('started-matching'),
      skip('repeated'),
    ]);
  });

  it('treats a negative delay as none', () => {
    expect(run({ delaySeconds: -5, onlyOnResolutionChange: false }, [[0, 'raised', true]])).toEqual([
      notify('started-matching'),
    ]);
  });
});
