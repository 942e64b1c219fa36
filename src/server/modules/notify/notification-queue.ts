// Queues what alert changes call for: one delivery per change, channel and subscriber address, whichever
// subscriptions reach it (delivery-sources.ts merges them), put in the outbox together with the match states the
// changes leave — a few statements for a whole page of changes, inside the caller's transaction.

import { newId } from '../../../contract/ids.js';
import type { Executor } from '../../../store/db.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import { mergeByAddress } from './delivery-sources.js';
import * as matchStatesRepo from './match-states-repo.js';
import type { Effect, Notify } from './notification-decision.js';
import * as configRepo from './notify-config-repo.js';

/** What the changes of one alert call for, applied together with the others of a page. */
export interface AlertEffects {
  alertId: string;
  effects: Effect[];
}

const recipientsOf = (sub: configRepo.SubscriptionRow) => [
  ...sub.recipients.to,
  ...sub.recipients.cc,
  ...sub.recipients.bcc,
];

/** The channels and subscribers these subscriptions name, read once for all of them. */
async function recipientsAndChannels(ex: Executor, subs: readonly configRepo.SubscriptionRow[]) {
  const [channels, subscribers] = await Promise.all([
    configRepo.findChannels(ex, [...new Set(subs.flatMap((s) => s.channelIds))]),
    configRepo.findSubscribers(ex, [...new Set(subs.flatMap(recipientsOf))]),
  ]);
  return {
    channels: new Map(channels.map((c) => [c.id, c])),
    subscribers: new Map(subscribers.map((s) => [s.id, s])),
  };
}
type Known = Awaited<ReturnType<typeof recipientsAndChannels>>;

/**
 * One delivery per (channel, subscriber address of that kind, role) of the subscription, not yet merged, due at
 * `at`.
 */
function planDeliveries(
  alertId: string,
  { seq, alertSeq, reason }: Notify,
  sub: configRepo.SubscriptionRow,
  known: Known,
  at: Date,
) {
  const channels = sub.channelIds.flatMap((id) => {
    const c = known.channels.get(id);
    return c?.enabled ? [c] : [];
  });
  const roles = [
    ['to', sub.recipients.to],
    ['cc', sub.recipients.cc],
    ['bcc', sub.recipients.bcc],
  ] as const;
  const subscribers = known.subscribers;
  const rows: Parameters<typeof mergeByAddress>[0][number][] = [];
  for (const c of channels)
    for (const [role, ids] of roles)
      for (const sid of ids) {
        const s = subscribers.get(sid);
        for (const a of (s?.addresses ?? []) as { kind: string; address: string }[]) {
          if (a.kind !== c.kind) continue;
          // E-mail alone knows Cc and Bcc; other kinds send each address its own message.
          const r = c.kind === 'email' ? role : 'to';
          rows.push({
            id: newId('delivery'),
            alertId,
            changeSeq: seq,
            reason,
            subscriptionId: sub.id,
            channelId: c.id,
            subscriberId: sid,
            address: a.address,
            role: r,
            sources: [{ subscriptionId: sub.id, subscriberId: sid, role: r }],
            alertSeq,
            status: 'pending',
            nextAttemptAt: at,
          });
        }
      }
  return rows;
}

/**
 * Queues the notifications — one per change, channel and address, whichever subscriptions reach it — and keeps
 * the states the effects call for, the last one of each subscription and alert: a few statements for a whole
 * page of changes. A delivery already made for the change and address (by another server) stays. Answers how
 * many deliveries it queued.
 */
export async function queueEffects(
  ex: Executor,
  groups: readonly AlertEffects[],
  now: () => Date,
): Promise<number> {
  const notifying = groups.flatMap((g) => g.effects.filter((e) => e.notify).map((e) => ({ ...g, e })));
  const known = await recipientsAndChannels(
    ex,
    notifying.map(({ e }) => e.sub),
  );
  const planned = notifying.flatMap(({ alertId, e }) =>
    planDeliveries(alertId, e.notify!, e.sub, known, now()),
  );
  const states = new Map<
    string,
    { subscriptionId: string; alertId: string; state: matchStatesRepo.MatchStateRow | null }
  >();
  for (const { alertId, effects } of groups)
    for (const e of effects)
      if (e.state !== undefined)
        states.set(`${e.sub.id} ${alertId}`, { subscriptionId: e.sub.id, alertId, state: e.state });
  const kept = [...states.values()];
  await matchStatesRepo.deleteMatchStatePairs(
    ex,
    kept.filter((k) => k.state === null),
  );
  await matchStatesRepo.saveMatchStates(
    ex,
    kept.flatMap((k) => (k.state ? [k.state] : [])),
  );
  const rows = mergeByAddress(planned);
  await outboxRepo.enqueue(ex, rows);
  return rows.length;
}
