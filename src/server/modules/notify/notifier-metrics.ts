// What the notifier tells Prometheus: how attempts end, how long deliveries wait, and what is in the outbox now.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../../../store/db.js';
import { listPaused, type PauseCause } from './channel-health-repo.js';
import { countLiveDeliveries, LIVE_DELIVERY_STATUSES } from './delivery-outbox-repo.js';

export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;

export function createNotifierMetrics(db: Db, registry: Registry | undefined) {
  if (!registry) return { ended: () => undefined, paused: () => undefined };
  const outcomes = new Counter({
    name: 'steward_notification_attempts_total',
    help: 'Notification deliveries handled by this server, by how each ended: sent, retry, paused (waits on its paused channel), dead, skipped, unknown',
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
  const pauses = new Counter({
    name: 'steward_notification_channel_pauses_total',
    help: 'Channels paused by this server, by cause: unreachable (no server or gateway took a message) or account (missing or not distributed)',
    labelNames: ['cause'],
    registers: [registry],
  });
  new Gauge({
    name: 'steward_notification_channel_paused',
    help: 'Notification channels paused now (all servers), by channel id: 1 while paused; their deliveries wait',
    labelNames: ['channel_id', 'cause'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const p of await listPaused(db)) this.set({ channel_id: p.channelId, cause: p.cause }, 1);
    },
  });
  return {
    /** Attempts ended; a sent one also says how long its delivery waited since it was queued. */
    ended(
      outcome: 'sent' | 'retry' | 'paused' | 'dead' | 'skipped' | 'unknown',
      queuedAt?: Date,
      at?: Date,
      count = 1,
    ) {
      outcomes.inc({ outcome }, count);
      if (outcome === 'sent' && queuedAt && at) queued.observe((at.getTime() - queuedAt.getTime()) / 1000);
    },
    paused(cause: PauseCause) {
      pauses.inc({ cause });
    },
  };
}
