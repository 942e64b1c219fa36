// Subscription criteria (R43) and when a matching alert is notified: first match, updates, delay, repeats (R44, R45).
import type { AlertPriority, AlertSeverity, NotificationAlert } from './alert.js';

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

/**
 * `equals`: the whole text, ignoring case. `like`: the whole text against a wildcard pattern (`*` any run of
 * characters, `?` exactly one, `\*` `\?` `\\` literal), ignoring case. `contains`: like, anywhere in the text.
 * There is deliberately no negation ("not equal", "not member of"): R43 does not support it.
 */
export const textOperators = ['equals', 'like', 'contains'] as const;
export type TextOperator = (typeof textOperators)[number];

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

/*
 * Text matching without regular expressions: a pattern is compiled once into folded code points and wildcard
 * tokens, and matched in O(text × pattern) at worst (a backtracking expression took exponential time on
 * patterns like `*a*a*a*a*!`, and the notifier runs in the server process).
 *
 * Case is ignored the way a `/iu` expression ignores it: two code points are equal when their simple Unicode
 * case foldings are (so `ſ` equals `s` and the Kelvin sign `k`, but `ß` does not equal `ss`).
 */

/**
 * Simple case foldings that differ from lower(upper(c)): `ı` folds to itself (only Turkic folding maps `I` to
 * it), and three pairs whose upper case is several code points.
 */
const foldExceptions = new Map<number, number>([
  [0x0131, 0x0131],
  [0x1fd3, 0x0390],
  [0x1fe3, 0x03b0],
  [0xfb05, 0xfb06],
]);

const singleCodePoint = (s: string): number | undefined => {
  const cp = s.codePointAt(0);
  return cp !== undefined && s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
};

/** Folded non-ASCII code points; bounded, as alert texts may bring any of them. */
const foldCache = new Map<number, number>();

function foldCodePoint(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
  let folded = foldCache.get(cp);
  if (folded === undefined) {
    folded = foldExceptions.get(cp);
    if (folded === undefined) {
      const c = String.fromCodePoint(cp);
      const upper = singleCodePoint(c.toUpperCase());
      folded =
        (upper === undefined ? undefined : singleCodePoint(String.fromCodePoint(upper).toLowerCase())) ??
        singleCodePoint(c.toLowerCase()) ??
        cp;
    }
    if (foldCache.size >= 10_000) foldCache.clear();
    foldCache.set(cp, folded);
  }
  return folded;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function foldUncached(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  let out = '';
  for (const c of text) out += String.fromCodePoint(foldCodePoint(c.codePointAt(0) as number));
  return out;
}

// The notifier tests one alert against every subscription in turn, so the same few texts come again and again.
const recent = Array.from({ length: 4 }, () => ({ text: '', folded: '' }));
let nextRecent = 0;

/** The text with every code point case-folded. */
function foldText(text: string): string {
  for (const r of recent) if (r.text === text) return r.folded;
  const r = recent[nextRecent] as (typeof recent)[number];
  nextRecent = (nextRecent + 1) % recent.length;
  r.text = text;
  r.folded = foldUncached(text);
  return r.folded;
}

/** Pattern tokens: a folded code point (≥ 0), or one of these wildcards. */
const STAR = -1;
const ANY = -2;

/** `*` any run of code points, `?` exactly one, `\*` `\?` `\\` literal, a backslash before anything else itself. */
function tokenize(pattern: string): number[] {
  const chars = Array.from(pattern);
  const tokens: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const next = chars[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      tokens.push(foldCodePoint(next.codePointAt(0) as number));
      i++;
    } else if (c === '*') {
      if (tokens.at(-1) !== STAR) tokens.push(STAR);
    } else if (c === '?') tokens.push(ANY);
    else tokens.push(foldCodePoint(c.codePointAt(0) as number));
  }
  return tokens;
}

/**
 * Whether the tokens match the whole (folded) text, by code points. Two pointers; on a mismatch only the last
 * star is retried one code point further, since every earlier star can already absorb whatever that one would.
 */
function globMatch(tokens: Int32Array, text: string): boolean {
  let p = 0;
  let t = 0;
  let afterStar = -1;
  let starText = 0;
  while (t < text.length) {
    const token = p < tokens.length ? (tokens[p] as number) : undefined;
    const cp = text.codePointAt(t) as number;
    if (token === STAR) {
      afterStar = ++p;
      starText = t;
    } else if (token !== undefined && (token === ANY || token === cp)) {
      p++;
      t += cp > 0xffff ? 2 : 1;
    } else if (afterStar >= 0) {
      p = afterStar;
      starText += (text.codePointAt(starText) as number) > 0xffff ? 2 : 1;
      t = starText;
    } else return false;
  }
  while (p < tokens.length && tokens[p] === STAR) p++;
  return p === tokens.length;
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

export type TextMatcher = (text: string) => boolean;

/**
 * A matcher for the tokens. A literal, or a literal with a star before and/or after it, is compared as a
 * string (equality, `startsWith`, `endsWith`, `includes`) — unless the literal could meet half of a surrogate
 * pair at its edge, where a UTF-16 comparison would differ from a code-point one.
 */
function compileTokens(tokens: number[]): TextMatcher {
  const lead = tokens[0] === STAR;
  const trail = tokens.length > 1 && tokens.at(-1) === STAR;
  const inner = tokens.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (inner.every((t) => t >= 0)) {
    const literal = inner.map((cp) => String.fromCodePoint(cp)).join('');
    if (lead && literal === '') return () => true;
    const safeEdges =
      (!lead || !isLowSurrogate(literal.charCodeAt(0))) &&
      (!trail || !isHighSurrogate(literal.charCodeAt(literal.length - 1)));
    if (safeEdges) {
      if (lead && trail) return (text) => foldText(text).includes(literal);
      if (lead) return (text) => foldText(text).endsWith(literal);
      if (trail) return (text) => foldText(text).startsWith(literal);
      return (text) => foldText(text) === literal;
    }
  }
  const compiled = Int32Array.from(tokens);
  return (text) => globMatch(compiled, foldText(text));
}

/** The text case-folded as conditions compare it: a condition's literal occurs in the folded text it matches. */
export const foldedText = (text: string): string => foldText(text);

/**
 * The longest run of literal text (case-folded) that every text the condition matches contains; '' when the
 * pattern has none (`*`, `?`, …). `equals` matches exactly this text.
 */
export function conditionLiteral(op: TextOperator, value: string): string {
  const tokens =
    op === 'equals' ? Array.from(value, (c) => foldCodePoint(c.codePointAt(0) as number)) : tokenize(value);
  let best = '';
  let run = '';
  for (const t of tokens) {
    run = t >= 0 ? run + String.fromCodePoint(t) : '';
    if (run.length > best.length) best = run;
  }
  return best;
}

/** The text a condition on `field` reads; a field the alert lacks reads as ''. */
export const fieldText = (alert: NotificationAlert, field: TextField): string => textOf(alert, field);

// Keyed by the value itself rather than a key built from operator and value: a string keeps its hash, so looking
// up the same condition again does not hash a new string each time.
const matchers: Record<TextOperator, Map<string, TextMatcher>> = {
  equals: new Map(),
  like: new Map(),
  contains: new Map(),
};

function compileTextMatcher(op: TextOperator, value: string): TextMatcher {
  if (op === 'equals')
    return compileTokens(Array.from(value, (c) => foldCodePoint(c.codePointAt(0) as number)));
  const tokens = tokenize(value);
  if (op === 'contains') {
    if (tokens[0] !== STAR) tokens.unshift(STAR);
    if (tokens.at(-1) !== STAR) tokens.push(STAR);
  }
  return compileTokens(tokens);
}

/**
 * A case-insensitive matcher for a text condition's value (see `TextOperator`), compiled once and cached:
 * the notifier tests each subscription's conditions against many alerts.
 */
export function textMatcher(op: TextOperator, value: string): TextMatcher {
  const cache = matchers[op];
  let matcher = cache.get(value);
  if (!matcher) {
    matcher = compileTextMatcher(op, value);
    if (cache.size >= 1000) cache.clear();
    cache.set(value, matcher);
  }
  return matcher;
}

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
