// The notifier: runs on the member of the Notifications Resource Pool that holds its lease (R36). It follows
// alert changes in the audit log, each with the alert as it was then (alert-change-evaluator.ts), decides per
// subscription what they call for (criteria R43, updates R44, delay R45: notification-decision.ts, and
// due-notifications.ts for delays whose time has come), and puts one delivery per (change, channel, address) in the
// outbox — shared by the subscriptions that reach that address (notification-queue.ts). notification-sender.ts
// sends them, signed in with the account the channel's profile resolves to on the pool; notifier-round.ts orders
// one round of it all. This file wires the parts together.

import type { Registry } from 'prom-client';
import type { ChannelKind } from '../../../contract/notify-api.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { Db } from '../../../store/db.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import type { PoolCredentials } from '../runtime/pool-credentials.js';
import { createAlertChangeEvaluator } from './alert-change-evaluator.js';
import { createChannelHealth } from './channel-health.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import { collectDueNotifications } from './due-notifications.js';
import { createNotificationSender } from './notification-sender.js';
import { createNotifierAccounts } from './notifier-accounts.js';
import { createNotifierMetrics } from './notifier-metrics.js';
import { runNotifierRound } from './notifier-round.js';

export interface NotifierDeps {
  db: Db;
  serverId: string;
  serverName: string;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  resolution: Pick<ResolutionService, 'current' | 'latest'>;
  credentials: Pick<PoolCredentials, 'open'>;
  drivers: Record<ChannelKind, ChannelDriver>;
  /** The servers alive now: deliveries left by the others are recovered. */
  liveServers: () => Promise<string[]>;
  webConsoleUrl?: string;
  /** IANA zone the `…Local` template fields are rendered in; default the server's own. */
  timeZone?: string;
  now?: () => Date;
  /** First retry of an address the channel put off (greylisting) after this long, doubled each time; default 30 s. */
  retryBaseMs?: number;
  /** The longest wait between retries of an address; default 30 min. */
  retryMaxMs?: number;
  /** A delivery not sent this long after its alert change is given up (dead); default 24 h. */
  maxAgeMs?: number;
  /** The first probe of a paused channel after this long, doubled after each failed one; default 5 s. */
  probeBaseMs?: number;
  /** The longest wait between probes of a paused channel; default 5 min. */
  probeMaxMs?: number;
  /** Where the notifier's Prometheus metrics go; none when absent. */
  metrics?: Registry;
  /**
   * Deliveries sent at once; default 16. More than an SMTP pool's 5 connections: while some wait on the mail
   * server, others are checked, rendered and marked.
   */
  concurrency?: number;
  log: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

export function createNotifier(d: NotifierDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());
  const concurrency = d.concurrency ?? 16;
  const accounts = createNotifierAccounts(d);
  const metrics = createNotifierMetrics(db, d.metrics);
  const health = createChannelHealth({
    db,
    alerts: d.alerts,
    now,
    probeBaseMs: d.probeBaseMs ?? 5_000,
    probeMaxMs: d.probeMaxMs ?? 5 * 60_000,
    log: d.log,
    onPause: (cause) => metrics.paused(cause),
  });
  const sender = createNotificationSender({
    ...d,
    now,
    retryBaseMs: d.retryBaseMs ?? 30_000,
    retryMaxMs: d.retryMaxMs ?? 30 * 60_000,
    maxAgeMs: d.maxAgeMs ?? 24 * 3_600_000,
    concurrency,
    accounts,
    metrics,
    health,
  });
  const { deliver, expire } = sender;
  const changes = createAlertChangeEvaluator({ db, resolution: d.resolution, now, log: d.log });
  const { evaluate } = changes;
  /** Notifications held back by a delay whose time has come (R45). */
  const collectDue = (limit?: number) =>
    collectDueNotifications({ db, resolution: d.resolution, now }, limit);

  return {
    evaluate,
    collectDue,
    deliver,
    /** Deliveries of servers that are gone: claimed ones back to pending, half-sent ones unknown. */
    recover: async () => outboxRepo.recoverAbandoned(db, await d.liveServers(), now()),
    /**
     * One round (notifier-round.ts): recover and expire, then decide and send side by side until nothing is due.
     * Stops early when `keepGoing` says so (the server stops, or lost the Notifications Resource Pool).
     */
    async tick(keepGoing: () => boolean = () => true) {
      await runNotifierRound(
        {
          recover: () => this.recover(),
          expire,
          evaluate: () => evaluate(),
          collectDue: () => collectDue(),
          deliver,
          concurrency,
        },
        keepGoing,
      );
    },
    /** The pool moved away, or the server stops: unsent claims go back, opened credentials are forgotten. */
    async release() {
      await outboxRepo.releaseClaimed(db, d.serverId);
      accounts.forget();
      health.forget();
      changes.forget();
      await sender.close();
    },
  };
}
