// What the deliveries of one claimed batch look up, read together when the batch is claimed.
import type { Executor } from '../../../store/db.js';
import { alertsAtChanges } from '../alerts/alert-snapshots-repo.js';
import * as alertsRepo from '../alerts/alerts-repo.js';
import type { DeliveryRow } from './delivery-outbox-repo.js';
import { sourcesOf } from './delivery-sources.js';
import * as configRepo from './notify-config-repo.js';

/**
 * What the deliveries of one batch look up — their subscriptions, subscribers, channels, alerts and the alerts
 * as their changes left them — read together, one statement each, when the batch is claimed.
 */
export async function batchLookups(db: Executor, rows: readonly DeliveryRow[]) {
  const ids = <T>(of: (r: DeliveryRow) => T[]) => [...new Set(rows.flatMap(of))];
  const [subscriptions, subscribers, channels, alerts, snapshots] = await Promise.all([
    configRepo.findSubscriptions(
      db,
      ids((r) => sourcesOf(r).map((s) => s.subscriptionId)),
    ),
    configRepo.findSubscribers(
      db,
      ids((r) => sourcesOf(r).map((s) => s.subscriberId)),
    ),
    configRepo.findChannels(
      db,
      ids((r) => [r.channelId]),
    ),
    alertsRepo.findAlerts(
      db,
      ids((r) => [r.alertId]),
    ),
    alertsAtChanges(
      db,
      ids((r) => (r.alertSeq === null ? [] : [r.alertSeq])),
    ),
  ]);
  const byId = <T extends { id: string }>(list: T[]) => {
    const m = new Map(list.map((x) => [x.id, x]));
    return async (id: string) => m.get(id);
  };
  return {
    subscription: byId(subscriptions),
    channel: byId(channels),
    subscriber: byId(subscribers),
    alert: byId(alerts),
    /** The alert as a change left it, by `<alert id> <change seq>`. */
    alertAt: async (key: string) => {
      const [id, seq] = key.split(' ');
      const then = snapshots.get(Number(seq));
      return then?.id === id ? then : undefined;
    },
  };
}

export type Lookups = Awaited<ReturnType<typeof batchLookups>>;
