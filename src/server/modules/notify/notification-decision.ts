// What one alert change means for one subscription, decided without touching the database: whether the alert
// matches its criteria (R43), whether the change calls for a notification (updates R44) now or after its delay
// (R45), and the match state the subscription keeps of the alert afterwards.

import type { NotificationAlert } from '../../../domain/notify/alert.js';
import {
  type AlertChange,
  type CriteriaContext,
  decideNotification,
  initialMatchState,
  type MatchState,
  matches,
  type NotifyReason,
  type SubscriptionCriteria,
} from '../../../domain/notify/criteria.js';
import type { AlertRow } from '../alerts/alerts-repo.js';
import type { MatchStateRow } from './match-states-repo.js';
import type { SubscriptionRow } from './notify-config-repo.js';

/** The kind of change an audited alert write (`alert.raise`, `alert.update`) with these details is. */
export function changeOf(kind: string, details: Record<string, unknown>): AlertChange {
  if (kind === 'alert.raise') return details.repeated ? 'repeated' : 'raised';
  return details.resolutionState ? 'resolution-changed' : 'updated';
}

const stateOf = (row: MatchStateRow | undefined): MatchState =>
  row
    ? { matchingSince: row.matchingSince, pending: (row.pending as NotifyReason | null) ?? null }
    : initialMatchState;

/** A notification to queue: for the change `seq`, showing the alert as it was at `alertSeq` (null: as it is). */
export interface Notify {
  seq: number;
  alertSeq: number | null;
  reason: NotifyReason;
}

/** What one alert change means for one subscription: a notification to queue, and what to remember. */
export interface Effect {
  sub: SubscriptionRow;
  notify?: Notify;
  /** The state to keep; null: forget it; undefined: unchanged. */
  state?: MatchStateRow | null;
}

const sameState = (a: MatchStateRow, b: MatchStateRow) =>
  a.matchingSince?.getTime() === b.matchingSince?.getTime() &&
  a.pending === b.pending &&
  a.pendingSeq === b.pendingSeq &&
  a.dueAt?.getTime() === b.dueAt?.getTime();

/** One change of an alert as every subscription looks at it; `now` is taken once for all of them. */
export interface Observed {
  /** The alert as it was right after the change (as it is now, for a change recorded without it). */
  alert: AlertRow;
  na: NotificationAlert;
  seq: number;
  /** The change whose recorded state `alert` is; null: the live alert. */
  alertSeq: number | null;
  change: AlertChange;
  now: Date;
}

/** Decides, without touching the database, what a change of the alert calls for (R43–R45). */
export function decide(
  sub: SubscriptionRow,
  prev: MatchStateRow | undefined,
  { alert, na, seq, alertSeq, change, now: at }: Observed,
  ctx: CriteriaContext,
): Effect | undefined {
  const isMatch = matches(sub.criteria as SubscriptionCriteria, na, ctx);
  const { decision, state } = decideNotification(
    { delaySeconds: sub.delaySeconds, onlyOnResolutionChange: sub.onlyOnResolutionChange },
    stateOf(prev),
    { change, matches: isMatch, at: alert.lastModified },
    at,
  );
  const notify = decision.kind === 'notify-now' ? { seq, alertSeq, reason: decision.reason } : undefined;
  let next: MatchStateRow | null | undefined;
  if (state.matchingSince === null && state.pending === null) next = prev ? null : undefined;
  else {
    const row = {
      subscriptionId: sub.id,
      alertId: alert.id,
      matchingSince: state.matchingSince,
      pending: state.pending,
      pendingSeq: decision.kind === 'wait-until' ? (prev?.pendingSeq ?? seq) : null,
      dueAt: decision.kind === 'wait-until' ? decision.at : null,
    };
    next = prev && sameState(prev, row) ? undefined : row;
  }
  return notify || next !== undefined ? { sub, notify, state: next } : undefined;
}
