// One message per address and change: the deliveries an alert change calls for are merged by (channel, address),
// each listing the subscriptions it serves; when one is sent, the subscriptions that still want it decide
// whether it goes, to which role, and which names its message carries.
import { deliveryAllowed, type ScheduleEntry } from '../../../domain/notify/schedules.js';
import type { DeliverySourceJson, notificationDeliveries } from '../../../store/schema.js';
import type { DeliveryRow } from './delivery-outbox-repo.js';
import type { ChannelRow, SubscriberRow, SubscriptionRow } from './notify-config-repo.js';

export type DeliverySource = DeliverySourceJson;
type Role = DeliverySource['role'];
type DeliveryInsert = typeof notificationDeliveries.$inferInsert & { sources: DeliverySource[] };

/** To is the most visible role, Bcc the least: a message serving several takes the most visible. */
const RANK: Record<Role, number> = { to: 0, cc: 1, bcc: 2 };
const stronger = (a: Role, b: Role): Role => (RANK[b] < RANK[a] ? b : a);

/**
 * Merges the deliveries planned for an alert change into one per (change, channel, address): the first one
 * planned is kept, with every source of the others (once per subscription and subscriber) and the most
 * visible role among them.
 */
export function mergeByAddress<R extends DeliveryInsert>(planned: readonly R[]): R[] {
  const kept = new Map<string, R>();
  for (const row of planned) {
    const key = JSON.stringify([row.alertId, row.changeSeq, row.channelId, row.address]);
    const have = kept.get(key);
    if (!have) {
      kept.set(key, { ...row, sources: row.sources.map((s) => ({ ...s })) });
      continue;
    }
    for (const s of row.sources) {
      const same = have.sources.find(
        (h) => h.subscriptionId === s.subscriptionId && h.subscriberId === s.subscriberId,
      );
      if (same) same.role = stronger(same.role, s.role);
      else have.sources.push({ ...s });
    }
    have.role = stronger(have.role as Role, row.role as Role);
  }
  return [...kept.values()];
}

/** The subscriptions a delivery serves; one made before messages were shared serves its own alone. */
export const sourcesOf = (row: DeliveryRow): DeliverySource[] =>
  row.sources?.length
    ? row.sources
    : [{ subscriptionId: row.subscriptionId, subscriberId: row.subscriberId, role: row.role as Role }];

export interface SourceLookups {
  subscription(id: string): Promise<SubscriptionRow | undefined>;
  subscriber(id: string): Promise<SubscriberRow | undefined>;
}

export type Served =
  | {
      kind: 'send';
      /** The most visible role among the subscriptions that still want the message. */
      role: Role;
      /** Their names, each once, in the order they were queued. */
      subscriptionNames: string[];
    }
  | { kind: 'skip'; reason: string };

/**
 * Which subscriptions still want the message now: each must be enabled and still name its subscriber and the
 * channel, the channel must be enabled, and the subscriber must still have the address and be reachable now
 * (R42). None left: skipped, with the reason of the first subscription.
 */
export async function servingSources(
  row: DeliveryRow,
  channel: ChannelRow | undefined,
  find: SourceLookups,
  at: Date,
): Promise<Served> {
  const looked = await Promise.all(
    sourcesOf(row).map(async (source) => ({
      source,
      subscription: await find.subscription(source.subscriptionId),
      subscriber: await find.subscriber(source.subscriberId),
    })),
  );
  let reason: string | undefined;
  const keep = (why: string | undefined) => {
    reason ??= why;
    return why === undefined;
  };
  const wanted = looked.filter(({ source, subscription }) => {
    if (!subscription?.enabled) return keep('the subscription was deleted or disabled');
    const { to, cc, bcc } = subscription.recipients;
    if (
      ![...to, ...cc, ...bcc].includes(source.subscriberId) ||
      !subscription.channelIds.includes(row.channelId)
    )
      return keep('the subscription no longer names this subscriber or channel');
    return true;
  });
  if (!wanted.length) return { kind: 'skip', reason: reason! };
  if (!channel?.enabled) return { kind: 'skip', reason: 'the channel was deleted or disabled' };
  reason = undefined;
  const reachable = wanted.filter(({ subscriber }) => {
    if (!subscriber) return keep('the subscriber or the alert was deleted');
    const address = (
      subscriber.addresses as { kind: string; address: string; schedule?: ScheduleEntry[] }[]
    ).find((a) => a.kind === channel.kind && a.address === row.address);
    if (!address) return keep('the subscriber no longer has this address');
    if (!deliveryAllowed(subscriber.schedule as ScheduleEntry[], address.schedule ?? [], at))
      return keep('outside the schedule of the subscriber or of the address (R42)');
    return true;
  });
  if (!reachable.length) return { kind: 'skip', reason: reason! };
  return {
    kind: 'send',
    role: reachable.map((r) => r.source.role).reduce(stronger),
    subscriptionNames: [...new Set(reachable.map((r) => r.subscription!.name))],
  };
}
