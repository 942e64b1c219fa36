// The notifier's send side: claims the due deliveries of the channels that are not paused (and one probe of each
// paused channel whose time has come), renders each message with the alert as its change left it, and sends it
// through the channel's transport signed in with the channel's account. A channel that fails as a whole pauses
// (channel-health.ts) and its deliveries wait, pending; a delivery dies only for a permanent reason or when older
// than the maximum age. A delivery marked `sending` is never sent twice: a crash leaves it `unknown`.

import type { ChannelKind } from '../../../contract/notify-api.js';
import { renderMessage, renderTemplate, templateFieldNames } from '../../../domain/notify/templates.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { Transport } from '../../../notify/channels/transport.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db } from '../../../store/db.js';
import { alertsAtChanges } from '../alerts/alert-snapshots-repo.js';
import * as alertsRepo from '../alerts/alerts-repo.js';
import type { ChannelHealth } from './channel-health.js';
import * as healthRepo from './channel-health-repo.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import { servingSources, sourcesOf } from './delivery-sources.js';
import { notificationAlertOf } from './notification-alert.js';
import type { NotifierAccounts } from './notifier-accounts.js';
import type { NotifierMetrics } from './notifier-metrics.js';
import * as configRepo from './notify-config-repo.js';

export interface NotificationSenderDeps {
  db: Db;
  serverId: string;
  serverName: string;
  drivers: Record<ChannelKind, ChannelDriver>;
  webConsoleUrl?: string;
  /** IANA zone the `…Local` template fields are rendered in; default the server's own. */
  timeZone?: string;
  now: () => Date;
  /** First retry of an address the channel put off after this long, doubled each time. */
  retryBaseMs: number;
  /** The longest wait between retries of an address. */
  retryMaxMs: number;
  /** A delivery not sent this long after its alert change is given up (dead). */
  maxAgeMs: number;
  /** Deliveries sent at once. */
  concurrency: number;
  accounts: NotifierAccounts;
  metrics: NotifierMetrics;
  health: ChannelHealth;
  log: {
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

/** A channel's settings as its kind's schema completed them. */
type ChannelSettings = Record<string, unknown>;

export function createNotificationSender(d: NotificationSenderDeps) {
  const { db, now, accounts, metrics, health, maxAgeMs, concurrency } = d;
  const transports = new Map<string, { stamp: number; transport: Transport }>();
  /** Too old to send: given up. */
  const tooOld = (row: outboxRepo.DeliveryRow) => now().getTime() - row.createdAt.getTime() >= maxAgeMs;
  const retryAt = (attempts: number) =>
    new Date(now().getTime() + Math.min(d.retryBaseMs * 2 ** Math.max(0, attempts - 1), d.retryMaxMs));
  const notificationAlert = (a: alertsRepo.AlertRow) => notificationAlertOf(db, a);
  // Deliveries in flight together are marked `sending`, and recorded sent, together: one statement a turn each.
  const sending = createBatcher((ids: string[]) => outboxRepo.markSending(db, ids, d.serverId));
  const sent = createBatcher(async (items: outboxRepo.SentDelivery[]) => {
    await outboxRepo.finishSent(db, items, d.serverId);
    return items.map(() => undefined);
  });

  function transportFor(
    channel: configRepo.ChannelRow,
    driver: ChannelDriver,
    settings: ChannelSettings,
  ): Transport {
    const stamp = channel.updatedAt.getTime();
    const have = transports.get(channel.id);
    if (have && have.stamp === stamp) return have.transport;
    void have?.transport.close?.();
    const transport = driver.createTransport(settings);
    transports.set(channel.id, { stamp, transport });
    return transport;
  }

  /**
   * What the deliveries of one batch look up — their subscriptions, subscribers, channels, alerts and the alerts
   * as their changes left them — read together, one statement each, when the batch is claimed.
   */
  async function batchLookups(rows: readonly outboxRepo.DeliveryRow[]) {
    const ids = <T>(of: (r: outboxRepo.DeliveryRow) => T[]) => [...new Set(rows.flatMap(of))];
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
  type Lookups = Awaited<ReturnType<typeof batchLookups>>;

  /**
   * Sends one delivery. `probe`: the channel is paused and this, its oldest waiting delivery, tries whether it
   * answers again.
   */
  async function sendOne(
    row: outboxRepo.DeliveryRow,
    find: Lookups,
    probe: boolean,
    recording: Promise<void>[],
  ) {
    /** This attempt's number; it counts once the delivery is marked `sending` or ends before that. */
    const attempts = row.attempts + 1;
    const fail = async (reason: string, retryable: boolean) => {
      const last = !retryable || tooOld(row);
      await outboxRepo.finishDelivery(db, row.id, d.serverId, {
        status: last ? 'dead' : 'retry',
        attempts,
        lastError: reason,
        nextAttemptAt: retryAt(attempts),
      });
      metrics.ended(last ? 'dead' : 'retry');
      if (last) d.log.warn({ delivery: row.id, reason }, 'notification not delivered: dead letter');
    };
    /** The channel failed as a whole: the delivery waits, pending, and the channel pauses. */
    const pause = async (
      channel: configRepo.ChannelRow,
      cause: healthRepo.PauseCause,
      reason: string,
      attempted: boolean,
    ) => {
      await outboxRepo.finishDelivery(db, row.id, d.serverId, {
        status: 'pending',
        claimedBy: null,
        claimedAt: null,
        ...(attempted ? { attempts } : {}),
        lastError: `waiting: channel ${channel.name} is paused (${reason})`,
      });
      metrics.ended('paused');
      await health.failed(channel, cause, reason, probe);
    };
    const skip = async (reason: string) => {
      await outboxRepo.finishDelivery(db, row.id, d.serverId, { status: 'skipped', lastError: reason });
      metrics.ended('skipped');
    };

    const [channel, alert] = await Promise.all([find.channel(row.channelId), find.alert(row.alertId)]);
    // The subscriptions the message serves that still want it (R42 schedules included); none: skipped.
    const served = await servingSources(row, channel, find, now());
    if (served.kind === 'skip') return skip(served.reason);
    if (!channel || !alert) return skip('the subscriber or the alert was deleted');
    const driver = d.drivers[channel.kind as ChannelKind];
    // Settings saved under older rules may no longer pass: the channel must be fixed, trying again cannot help.
    const parsed = driver.settingsSchema.safeParse(channel.settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail(
        `the settings of channel ${channel.name} are no longer valid (${issue?.path.join('.') || 'settings'}: ${issue?.message}): change them`,
        false,
      );
    }
    const settings = parsed.data;
    const cred = await accounts.credentialFor(channel, driver, settings);
    if (cred.kind === 'missing') {
      if (cred.accountId) await accounts.missing(cred.accountId, channel.name, cred.reason);
      return pause(channel, 'account', cred.reason, false);
    }
    // R38: external mail goes out only as the mailbox of its account, whenever that account was associated.
    const mailbox = cred.credential?.publicFields.userName;
    if (
      channel.kind === 'email' &&
      settings.external === true &&
      String(mailbox).toLowerCase() !== String(settings.from).toLowerCase()
    )
      return fail(
        `the external mail channel sends from ${String(settings.from)}, and its account is ${String(mailbox)}: they must be the same mailbox (R38)`,
        false,
      );
    // The alert as the change left it; a delivery made before changes were kept shows it as it is.
    const na = await notificationAlert(
      (row.alertSeq !== null && (await find.alertAt(`${row.alertId} ${row.alertSeq}`))) || alert,
    );
    const ctx = {
      alert: na,
      principalName: d.serverName,
      recipientAddress: row.address,
      webConsoleUrl: d.webConsoleUrl,
      timeZone: d.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    };
    const rendered = driver.messageKind
      ? renderMessage(driver.messageKind, driver.format(settings), ctx)
      : { subject: '', body: '', bodyIsHtml: false };
    // Every DataItem field by name, for transports that pass fields on (command arguments).
    const fields: Record<string, string> = {
      WebConsoleUrl: d.webConsoleUrl ?? '',
      PrincipalName: d.serverName,
      RecipientAddress: row.address,
    };
    for (const name of templateFieldNames)
      fields[name] = renderTemplate(`$Data/Context/DataItem/${name}$`, ctx);
    // From here a crash leaves it `sending`: recovered as `unknown`, never sent twice.
    if ((await sending.add(row.id)) === undefined) return;
    let result: Awaited<ReturnType<Transport['send']>>;
    try {
      result = await transportFor(channel, driver, settings).send(
        {
          subject: rendered.subject ?? '',
          body: rendered.body,
          bodyIsHtml: rendered.bodyIsHtml,
          fields,
          deliveryId: row.id,
          subscriptions: served.subscriptionNames,
        },
        { address: row.address, role: served.role },
        cred.credential,
      );
    } catch (err) {
      // Transports answer failures; one that throws may have sent already. Its message is not kept: it could
      // quote what was sent.
      d.log.error(
        { delivery: row.id, channel: channel.id, err: (err as Error).name },
        'notification channel threw',
      );
      await outboxRepo.finishDelivery(db, row.id, d.serverId, {
        status: 'unknown',
        lastError: 'the channel failed unexpectedly after the message was handed to it: not sent again',
      });
      metrics.ended('unknown');
      return;
    }
    if (!result.ok) {
      if (result.retryable && result.scope !== 'recipient')
        return pause(channel, 'unreachable', result.reason, true);
      // Any answer but "no server took it" (a refused recipient, a greylisted one) shows the channel works.
      await health.answered(channel);
      return fail(result.reason, result.retryable);
    }
    const sentAt = now();
    const accountId = cred.accountId;
    // Recorded with the others sent meanwhile; the worker goes on to the next message in the meantime.
    recording.push(
      (async () => {
        await sent.add({ id: row.id, sentAt, detail: result.detail ?? null });
        metrics.ended('sent', row.createdAt, sentAt);
        await health.answered(channel);
        if (accountId) await accounts.found(accountId);
      })().catch((err: unknown) => internalError(row, err)),
    );
  }

  /** The delivery failed inside the notifier: another try before it reached the channel, never after. */
  async function internalError(row: outboxRepo.DeliveryRow, err: unknown) {
    d.log.error({ delivery: row.id, err }, 'notification delivery failed');
    const attempts = row.attempts + 1;
    await outboxRepo
      .finishDelivery(
        db,
        row.id,
        d.serverId,
        tooOld(row)
          ? { status: 'dead', attempts, lastError: 'internal error, at every attempt' }
          : {
              status: 'retry',
              attempts,
              lastError: 'internal error: will retry',
              nextAttemptAt: retryAt(attempts),
            },
        ['claimed'],
      )
      .catch(() => undefined);
    await outboxRepo
      .finishDelivery(
        db,
        row.id,
        d.serverId,
        {
          status: 'unknown',
          lastError: 'internal error after it was handed to the channel: not sent again',
        },
        ['sending'],
      )
      .catch(() => undefined);
  }

  /**
   * Claims the due deliveries of the channels that are not paused, and one probe of each paused channel whose
   * time has come, and sends them a few at a time.
   */
  async function deliver(limit: number, keepGoing: () => boolean = () => true): Promise<number> {
    const at = now();
    const { waiting, probeDue } = await health.refresh();
    const probes = (
      await Promise.all(probeDue.map((c) => healthRepo.claimOldest(db, c, d.serverId, at)))
    ).flat();
    const rows = await outboxRepo.claimDue(db, d.serverId, at, limit, [...waiting, ...probeDue]);
    const queue = [
      ...probes.map((row) => ({ row, probe: true })),
      ...rows.map((row) => ({ row, probe: false })),
    ];
    const find = await batchLookups(queue.map((q) => q.row));
    /** Messages sent whose record is being written. */
    const recording: Promise<void>[] = [];
    const worker = async () => {
      // Rows left when this server stops or loses the pool stay claimed: release() hands them back.
      for (let next = queue.shift(); next && keepGoing(); next = queue.shift()) {
        const { row, probe } = next;
        try {
          // Paused while this batch was under way: it waits with the others, untried.
          if (!probe && health.isPaused(row.channelId)) {
            await outboxRepo.finishDelivery(
              db,
              row.id,
              d.serverId,
              { status: 'pending', claimedBy: null, claimedAt: null },
              ['claimed'],
            );
            continue;
          }
          await sendOne(row, find, probe, recording);
        } catch (err) {
          await internalError(row, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    await Promise.all(recording);
    return probes.length + rows.length;
  }

  /** Deliveries older than the maximum age, waiting or retrying, are given up. */
  async function expire() {
    const hours = Math.round((maxAgeMs / 3_600_000) * 100) / 100;
    const n = await healthRepo.expireOlderThan(
      db,
      new Date(now().getTime() - maxAgeMs),
      `not sent within ${hours} h of the alert change (the maximum age): given up`,
    );
    if (n) {
      metrics.ended('dead', undefined, undefined, n);
      d.log.warn({ deliveries: n }, 'notifications not delivered within the maximum age: dead letters');
    }
  }

  return {
    deliver,
    expire,
    /** Closes the transports (their pooled connections); the next send opens them again. */
    async close() {
      for (const t of transports.values()) await t.transport.close?.();
      transports.clear();
    },
  };
}
