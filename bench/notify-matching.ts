// The matching phase of `npm run bench -- notify`: every alert of the storm against every subscription in
// process, through the subscription index and, on a sample, through the scan it replaced.
import { createClassTree } from '../src/domain/inventory/class-tree.js';
import { createMembershipIndex } from '../src/domain/inventory/membership.js';
import { matches } from '../src/domain/notify/criteria.js';
import { createSubscriptionIndex, type IndexContext } from '../src/domain/notify/subscription-index.js';
import { round } from './bench-stats.js';
import {
  benchAlerts,
  benchClasses,
  benchGroups,
  benchObjects,
  benchSubscriptions,
  classNode,
  type Scope,
  scopeMix,
  type WorkloadSizes,
} from './notify-workload.js';

export interface MatchingOptions extends WorkloadSizes {
  /** Alerts the scan the index replaced is measured on (it is slow). */
  scanSample: number;
}

/**
 * Every alert of the storm matched against every subscription through the subscription index (as the notifier
 * does), with a real class tree and groups; beside it, the scan it replaced (`matches()` on every subscription)
 * over a sample of the alerts, in the same run. The two must find the same subscriptions.
 */
export function measureMatching(o: MatchingOptions, progress: (line: string) => void) {
  const classes = benchClasses();
  const tree = createClassTree([
    classNode('System.Entity', null),
    classNode('System.Computer', 'System.Entity'),
    classNode('System.Application', 'System.Entity'),
    ...classes.map((c) => classNode(c.id, c.baseClassId)),
  ]);
  const objects = benchObjects(o, classes);
  const groups = benchGroups(o, classes);
  // As the server's resolution engine answers them: each class's ancestors and each object's groups, computed
  // once from the class tree and the group index, then looked up.
  const indexStarted = performance.now();
  const membership = createMembershipIndex({ tree, objects, groups });
  const ancestors = new Map(tree.descendants('System.Entity').map((c) => [c, tree.ancestors(c)]));
  const containing = new Map<string, Set<string>>(objects.map((x) => [x.id, new Set()]));
  for (const g of groups) for (const id of membership.membersOf(g.id).keys()) containing.get(id)?.add(g.id);
  const indexMs = performance.now() - indexStarted;
  const none = new Set<string>();
  const ctx: IndexContext = {
    isA: (c, base) => ancestors.get(c)?.includes(base) ?? false,
    inGroup: (objectId, group) => containing.get(objectId)?.has(group) ?? false,
    classAndAncestors: (c) => ancestors.get(c) ?? [c],
    groupsOf: (objectId) => containing.get(objectId) ?? none,
  };
  const scopeNames = scopeMix.map(([k]) => k as Scope);
  const subscriptions = benchSubscriptions(o, classes).map((s, i) => ({
    ...s,
    id: `sub${i}`,
    scopeIndex: scopeNames.indexOf(s.scope),
  }));
  const alerts = benchAlerts(o, objects);
  progress(
    `matching: ${alerts.length} alerts × ${subscriptions.length} subscriptions ` +
      `(${objects.length} objects, ${groups.length} groups, ${classes.length} classes)`,
  );
  const buildStarted = performance.now();
  const index = createSubscriptionIndex(subscriptions);
  const buildMs = performance.now() - buildStarted;

  const warm = alerts.slice(0, Math.min(500, alerts.length));
  for (const a of warm) index.matching(a, ctx);

  const perScope = scopeNames.map(() => 0);
  let matched = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < alerts.length; i++) {
    const a = alerts[i]!;
    matched += index.matching(a, ctx).length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // Which scopes the matches came from, counted apart from the timed loop (bookkeeping of the benchmark).
  for (const a of alerts) for (const s of index.matching(a, ctx)) perScope[s.scopeIndex]!++;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  progress(
    `matching: ${seconds.toFixed(1)} s through the index, ${(alerts.length / seconds).toFixed(0)} alerts/s`,
  );

  // The scan it replaced, on a sample: same answers, and its rate.
  const sample = alerts.slice(0, Math.min(o.scanSample, alerts.length));
  for (const a of sample.slice(0, 50)) for (const s of subscriptions) matches(s.criteria, a, ctx);
  const scanStarted = performance.now();
  let disagreements = 0;
  for (const a of sample) {
    const scanned = subscriptions.filter((s) => matches(s.criteria, a, ctx)).map((s) => s.id);
    const indexed = index.matching(a, ctx).map((s) => s.id);
    if (scanned.join() !== indexed.join()) disagreements++;
  }
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  if (disagreements) throw new Error(`the index and the scan disagree on ${disagreements} alerts`);
  const scanPerSecond = sample.length / scanSeconds;
  progress(`matching: the scan it replaced, ${sample.length} alerts: ${scanPerSecond.toFixed(0)} alerts/s`);
  return {
    alerts: alerts.length,
    subscriptions: subscriptions.length,
    objects: objects.length,
    groups: groups.length,
    classes: classes.length,
    scopeMixPercent: Object.fromEntries(scopeMix),
    seconds: round(seconds, 2),
    cpuSeconds: round(cpuSeconds, 2),
    alertsPerSecond: round(alerts.length / seconds, 1),
    alertsPerCpuSecond: round(alerts.length / cpuSeconds, 1),
    matchingSubscriptionsPerAlert: round(matched / alerts.length, 2),
    matchesByScope: Object.fromEntries(scopeNames.map((k, i) => [k, perScope[i]])),
    indexBuildMs: round(buildMs, 1),
    groupIndexMs: round(indexMs, 1),
    scan: { alerts: sample.length, alertsPerSecond: round(scanPerSecond, 1), agreesWithIndex: true },
    indexToScanRatio: round(alerts.length / seconds / scanPerSecond, 1),
    goalMet: alerts.length / seconds >= 50_000,
  };
}
