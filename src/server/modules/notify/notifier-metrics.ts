// What the notifier tells Prometheus: how attempts end, how long deliveries wait, and what is in the outbox now.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../../../store/db.js';
import { countLiveDeliveries, LIVE_DELIVERY_STATUSES } from './notify-repo.js';

export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;

export function createNotifierMetrics(db: Db, registry: Registry | undefined) {
  if (!registry) return { ended: () => undefined };
  const outcomes = new Counter({
    name: 'steward_notification_attempts_total',
    help: 'Notification delivery attempts sent by this server, by how they ended: sent, retry, dead, skipped, unknown',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const queued = new Histogram({
    name: 'steward_notification_queued_seconds',
    help: 'From a delivery queued to its message handed over and accepted, on this server',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  new Gauge({
    name: 'steward_notification_outbox',
    help: 'Deliveries in the outbox not yet ended, by status (all servers)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await countLiveDeliveries(db);
      for (const status of LIVE_DELIVERY_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  return {
    /** An attempt ended; a sent one also says how long its delivery waited since it was queued. */
    ended(outcome: 'sent' | 'retry' | 'dead' | 'skipped' | 'unknown', queuedAt?: Date, at?: Date) {
      outcomes.inc({ outcome });
      if (outcome === 'sent' && queuedAt && at) queued.observe((at.getTime() - queuedAt.getTime()) / 1000);
    },
  };
}
