// Subscription criteria (R43) and when a matching alert is notified: first match, updates, delay, repeats (R44, R45).
import type { AlertPriority, AlertSeverity, NotificationAlert } from './alert.js';
import { type TextOperator, textMatcher } from './text-match.js';

/** Alert text a condition can test. `custom1`..`custom10` are the custom fields. */
export const textFields = [
  'name',
  'description',
  'owner',
  'ticketId',
  'category',
  'custom1',
  'custom2',
  'custom3',
  'custom4',
  'custom5',
  'custom6',
  'custom7',
  'custom8',
  'custom9',
  'custom10',
] as const;
export type TextField = (typeof textFields)[number];

export interface TextCondition {
  field: TextField;
  op: TextOperator;
  value: string;
}

/**
 * Every present condition must hold (AND). A list matches when the alert has any of its values (OR within a
 * condition). An absent or empty list puts no condition, so empty criteria match every alert.
 */
export interface SubscriptionCriteria {
  severities?: readonly AlertSeverity[];
  priorities?: readonly AlertPriority[];
  resolutionStates?: readonly number[];
  /** The source object is an instance of one of these classes or of a class derived from one. */
  classIds?: readonly string[];
  /** The source object is contained in one of these groups (through hosting and nested groups too). */
  groupIds?: readonly string[];
  /** The alert was raised by one of these rules or monitors. */
  workflowIds?: readonly string[];
  text?: readonly TextCondition[];
}

/**
 * Inventory questions the criteria ask, answered by the caller's class tree and group index.
 * Heartbeat and watcher alerts name the watcher as their source (R46): a group of computers catches them
 * only if `inGroup(watcherId, group)` holds, that is, if the group's scope reaches the watcher itself.
 */
export interface CriteriaContext {
  isA(classId: string, baseClassId: string): boolean;
  inGroup(objectId: string, groupId: string): boolean;
}

export type CriterionName =
  | 'severities'
  | 'priorities'
  | 'resolutionStates'
  | 'classIds'
  | 'groupIds'
  | 'workflowIds'
  | `text[${number}]`;

/** The text a condition on `field` reads; a field the alert lacks reads as ''. */
export const fieldText = (alert: NotificationAlert, field: TextField): string => textOf(alert, field);

/** The text a condition reads; a field the alert lacks reads as ''. */
function textOf(alert: NotificationAlert, field: TextField): string {
  if (field.startsWith('custom')) {
    return alert.custom[field.slice('custom'.length) as keyof NotificationAlert['custom']] ?? '';
  }
  switch (field) {
    case 'name':
      return alert.name;
    case 'description':
      return alert.description;
    case 'owner':
      return alert.owner ?? '';
    case 'ticketId':
      return alert.ticketId ?? '';
    case 'category':
      return alert.category ?? '';
    default:
      return '';
  }
}

export function textConditionHolds(alert: NotificationAlert, c: TextCondition): boolean {
  return textMatcher(c.op, c.value)(textOf(alert, c.field));
}

const listed = <T>(list: readonly T[] | undefined): list is readonly T[] =>
  list !== undefined && list.length > 0;

/** The conditions the alert fails, one at a time, cheapest first: `matches` stops at the first. */
function* failing(
  criteria: SubscriptionCriteria,
  alert: NotificationAlert,
  ctx: CriteriaContext,
): Generator<CriterionName> {
  if (listed(criteria.severities) && !criteria.severities.includes(alert.severity)) yield 'severities';
  if (listed(criteria.priorities) && !criteria.priorities.includes(alert.priority)) yield 'priorities';
  if (listed(criteria.resolutionStates) && !criteria.resolutionStates.includes(alert.resolutionState))
    yield 'resolutionStates';
  if (listed(criteria.workflowIds)) {
    const wf = alert.workflowId;
    if (wf === null || !criteria.workflowIds.includes(wf)) yield 'workflowIds';
  }
  if (listed(criteria.classIds)) {
    const cls = alert.sourceClassId;
    if (cls === null || !criteria.classIds.some((base) => cls === base || ctx.isA(cls, base)))
      yield 'classIds';
  }
  if (listed(criteria.groupIds)) {
    const obj = alert.sourceObjectId;
    if (obj === null || !criteria.groupIds.some((g) => ctx.inGroup(obj, g))) yield 'groupIds';
  }
  const text = criteria.text ?? [];
  for (let i = 0; i < text.length; i++) if (!textConditionHolds(alert, text[i]!)) yield `text[${i}]`;
}

/** The conditions the alert fails, in the order of the criteria; empty when it matches. */
export function unmetCriteria(
  criteria: SubscriptionCriteria,
  alert: NotificationAlert,
  ctx: CriteriaContext,
): CriterionName[] {
  return [...failing(criteria, alert, ctx)];
}

/**
 * Whether the alert meets every condition of the criteria (R43): the conditions of `failing`, in its order, as
 * plain tests — the notifier asks this for every candidate subscription of every alert change.
 */
export function matches(
  criteria: SubscriptionCriteria,
  alert: NotificationAlert,
  ctx: CriteriaContext,
): boolean {
  const { severities, priorities, resolutionStates, workflowIds, classIds, groupIds, text } = criteria;
  if (severities?.length && !severities.includes(alert.severity)) return false;
  if (priorities?.length && !priorities.includes(alert.priority)) return false;
  if (resolutionStates?.length && !resolutionStates.includes(alert.resolutionState)) return false;
  if (workflowIds?.length && (alert.workflowId === null || !workflowIds.includes(alert.workflowId)))
    return false;
  if (classIds?.length) {
    const cls = alert.sourceClassId;
    if (cls === null) return false;
    let any = false;
    for (const base of classIds)
      if (cls === base || ctx.isA(cls, base)) {
        any = true;
        break;
      }
    if (!any) return false;
  }
  if (groupIds?.length) {
    const obj = alert.sourceObjectId;
    if (obj === null) return false;
    let any = false;
    for (const g of groupIds)
      if (ctx.inGroup(obj, g)) {
        any = true;
        break;
      }
    if (!any) return false;
  }
  if (text) for (const c of text) if (!textConditionHolds(alert, c)) return false;
  return true;
}

/* ---------------------------------------------------------------------------------------------------------- */

/**
 * What happened to an alert between two observations. `repeated`: the alert was raised again while open
 * and suppressed into a higher repeat count; that never notifies by itself (R45).
 */
export type AlertChange = 'raised' | 'updated' | 'resolution-changed' | 'repeated' | 'unchanged';

const sameCustom = (a: NotificationAlert['custom'], b: NotificationAlert['custom']) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof NotificationAlert['custom']>;
  return [...keys].every((k) => (a[k] ?? '') === (b[k] ?? ''));
};

const notableFields = [
  'name',
  'description',
  'severity',
  'priority',
  'owner',
  'ticketId',
  'category',
  'sourceObjectId',
  'workflowId',
] as const;

/**
 * Classifies the step from `previous` (null: not seen before) to `current`. A resolution-state change wins;
 * a higher repeat count makes the step a repeat even if the repeat also changed the severity or description.
 */
export function classifyChange(previous: NotificationAlert | null, current: NotificationAlert): AlertChange {
  if (previous === null) return 'raised';
  if (previous.resolutionState !== current.resolutionState) return 'resolution-changed';
  if (current.repeatCount > previous.repeatCount) return 'repeated';
  const changed =
    notableFields.some((f) => previous[f] !== current[f]) || !sameCustom(previous.custom, current.custom);
  return changed ? 'updated' : 'unchanged';
}

export interface DeliveryPolicy {
  /** Alert aging: the alert must keep matching this long before it is notified; 0 for none. */
  delaySeconds: number;
  /** After the first notification, only resolution-state changes notify (R44). */
  onlyOnResolutionChange: boolean;
}

export type NotifyReason = 'started-matching' | 'resolution-changed' | 'updated';
export type SkipReason =
  | 'not-matching'
  | 'stopped-matching'
  | 'repeated'
  | 'unchanged'
  | 'not-a-resolution-change';

export type NotifyDecision =
  | { kind: 'notify-now'; reason: NotifyReason }
  | { kind: 'wait-until'; at: Date; reason: NotifyReason }
  | { kind: 'skip'; reason: SkipReason };

/** What the notifier remembers per (subscription, alert) between observations. */
export interface MatchState {
  /** Start of the current unbroken stretch during which the alert met the criteria; null when it does not. */
  matchingSince: Date | null;
  /** A notification owed but held back by the delay. */
  pending: NotifyReason | null;
}

export const initialMatchState: MatchState = Object.freeze({ matchingSince: null, pending: null });

export interface AlertObservation {
  change: AlertChange;
  /** Whether the alert, as it is now, meets the subscription's criteria. */
  matches: boolean;
  /** When the change happened (the alert's last-modified time); the delay counts from here. */
  at: Date;
}

const reasonRank: Record<NotifyReason, number> = {
  'started-matching': 3,
  'resolution-changed': 2,
  updated: 1,
};

const stronger = (a: NotifyReason | null, b: NotifyReason | null) =>
  a === null ? b : b === null ? a : reasonRank[a] >= reasonRank[b] ? a : b;

/**
 * Decides, for one subscription and one alert, what an observation at `now` calls for (R44, R45).
 *
 * - The alert notifies when it starts to meet the criteria (raised matching, or changed into matching —
 *   also after it stopped matching for a while), on every resolution-state change while matching, and on
 *   other updates while matching unless `onlyOnResolutionChange`. Repeats and no-op changes never notify.
 * - With a delay, a notification is sent only once the alert has matched without a break for the whole
 *   delay, counted from when it started matching; stopping to match drops what was owed, and matching
 *   again starts a new full delay. Changes while waiting fold into the one notification owed.
 *
 * Call again at a `wait-until` time (with change `unchanged`) to collect the notification held back.
 */
export function decideNotification(
  policy: DeliveryPolicy,
  state: MatchState,
  observation: AlertObservation,
  now: Date,
): { decision: NotifyDecision; state: MatchState } {
  if (!observation.matches) {
    return {
      decision: { kind: 'skip', reason: state.pending ? 'stopped-matching' : 'not-matching' },
      state: { matchingSince: null, pending: null },
    };
  }
  const { change } = observation;
  const starts = state.matchingSince === null || change === 'raised';
  const matchingSince = starts ? observation.at : (state.matchingSince as Date);
  const reason: NotifyReason | null = starts
    ? 'started-matching'
    : change === 'resolution-changed'
      ? 'resolution-changed'
      : change === 'updated' && !policy.onlyOnResolutionChange
        ? 'updated'
        : null;
  const owed = stronger(starts ? null : state.pending, reason);
  if (owed === null) {
    const skip: SkipReason =
      change === 'repeated' ? 'repeated' : change === 'updated' ? 'not-a-resolution-change' : 'unchanged';
    return { decision: { kind: 'skip', reason: skip }, state: { matchingSince, pending: null } };
  }
  const dueAt = new Date(matchingSince.getTime() + Math.max(0, policy.delaySeconds) * 1000);
  if (now.getTime() >= dueAt.getTime()) {
    return { decision: { kind: 'notify-now', reason: owed }, state: { matchingSince, pending: null } };
  }
  return {
    decision: { kind: 'wait-until', at: dueAt, reason: owed },
    state: { matchingSince, pending: owed },
  };
}
