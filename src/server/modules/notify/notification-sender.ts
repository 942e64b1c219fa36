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
import type * as alertsRepo from '../alerts/alerts-repo.js';
import type { ChannelHealth } from './channel-health.js';
import * as healthRepo from './channel-health-repo.js';
import { createChannelVersions } from './channel-versions.js';
import { createDeliveryEndings } from './delivery-endings.js';
import { batchLookups, type Lookups } from './delivery-lookups.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import { servingSources } from './delivery-sources.js';
import { notificationAlertOf } from './notification-alert.js';
import type { NotifierAccounts } from './notifier-accounts.js';
import type { NotifierMetrics } from './notifier-metrics.js';
import type * as configRepo from './notify-config-repo.js';

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

/** A message the channel took, with what its record needs. */
interface Sent {
  ready: { row: outboxRepo.DeliveryRow; channel: configRepo.ChannelRow; accountId: string | undefined };
  sent: outboxRepo.SentDelivery;
}

/**
 * Deliveries claimed at once per worker: a claim and what its deliveries look up are six statements however many
 * it takes.
 */
const CLAIM_PER_WORKER = 8;

export function createNotificationSender(d: NotificationSenderDeps) {
  const { db, now, accounts, metrics, health, maxAgeMs, concurrency } = d;
  const versions = createChannelVersions();
  const { settingsOf, transportFor } = versions;
  // Asking the runtime for its zone costs as much as rendering a message: once.
  const timeZone = d.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const { endings, internalError } = createDeliveryEndings(d);
  // Deliveries about to be handed to their channels are marked `sending` together: one statement as soon as half
  // the workers are ready, or for those ready within 10 ms. Workers finish their sends one by one, and a statement
  // for each one or two would be most of what sending costs the database.
  const sending = createBatcher((ids: string[]) => outboxRepo.markSending(db, ids, d.serverId), {
    gatherMs: 10,
    gatherCount: Math.ceil(concurrency / 2),
  });
  const notificationAlert = (a: alertsRepo.AlertRow) => notificationAlertOf(db, a);

  /** A delivery rendered and checked, ready for its channel. */
  interface Ready {
    row: outboxRepo.DeliveryRow;
    probe: boolean;
    channel: configRepo.ChannelRow;
    transport: Transport;
    message: Parameters<Transport['send']>[0];
    target: Parameters<Transport['send']>[1];
    credential: Parameters<Transport['send']>[2];
    accountId: string | undefined;
  }

  /**
   * Checks and renders one delivery; undefined when it ended before its channel (skipped, failed, or waiting on a
   * paused channel). `probe`: the channel is paused and this, its oldest waiting delivery, tries whether it
   * answers again.
   */
  async function prepare(
    row: outboxRepo.DeliveryRow,
    find: Lookups,
    probe: boolean,
  ): Promise<Ready | undefined> {
    const { fail, pause, skip } = endings(row, probe);
    const [channel, alert] = await Promise.all([find.channel(row.channelId), find.alert(row.alertId)]);
    // The subscriptions the message serves that still want it (R42 schedules included); none: skipped.
    const served = await servingSources(row, channel, find, now());
    if (served.kind === 'skip') return void (await skip(served.reason));
    if (!channel || !alert) return void (await skip('the subscriber or the alert was deleted'));
    const driver = d.drivers[channel.kind as ChannelKind];
    // Settings saved under older rules may no longer pass: the channel must be fixed, trying again cannot help.
    const parsed = settingsOf(channel, driver);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return void (await fail(
        `the settings of channel ${channel.name} are no longer valid (${issue?.path.join('.') || 'settings'}: ${issue?.message}): change them`,
        false,
      ));
    }
    const settings = parsed.data;
    const cred = await accounts.credentialFor(channel, driver, settings);
    if (cred.kind === 'missing') {
      if (cred.accountId) await accounts.missing(cred.accountId, channel.name, cred.reason);
      return void (await pause(channel, 'account', cred.reason, false));
    }
    // R38: external mail goes out only as the mailbox of its account, whenever that account was associated.
    const mailbox = cred.credential?.publicFields.userName;
    if (
      channel.kind === 'email' &&
      settings.external === true &&
      String(mailbox).toLowerCase() !== String(settings.from).toLowerCase()
    )
      return void (await fail(
        `the external mail channel sends from ${String(settings.from)}, and its account is ${String(mailbox)}: they must be the same mailbox (R38)`,
        false,
      ));
    // The alert as the change left it; a delivery made before changes were kept shows it as it is.
    const na = await notificationAlert(
      (row.alertSeq !== null && (await find.alertAt(`${row.alertId} ${row.alertSeq}`))) || alert,
    );
    const ctx = {
      alert: na,
      principalName: d.serverName,
      recipientAddress: row.address,
      webConsoleUrl: d.webConsoleUrl,
      timeZone,
    };
    const rendered = driver.messageKind
      ? renderMessage(driver.messageKind, driver.format(settings), ctx)
      : { subject: '', body: '', bodyIsHtml: false };
    let fields: Record<string, string> | undefined;
    return {
      row,
      probe,
      channel,
      transport: transportFor(channel, driver, settings),
      message: {
        subject: rendered.subject ?? '',
        body: rendered.body,
        bodyIsHtml: rendered.bodyIsHtml,
        // Every DataItem field by name, for transports that pass fields on (command arguments): rendered when
        // one reads them.
        get fields() {
          fields ??= allFields(ctx, row.address);
          return fields;
        },
        deliveryId: row.id,
        subscriptions: served.subscriptionNames,
      },
      target: { address: row.address, role: served.role },
      credential: cred.credential,
      accountId: cred.accountId,
    };
  }

  function allFields(ctx: Parameters<typeof renderTemplate>[1], address: string): Record<string, string> {
    const fields: Record<string, string> = {
      WebConsoleUrl: d.webConsoleUrl ?? '',
      PrincipalName: d.serverName,
      RecipientAddress: address,
    };
    for (const name of templateFieldNames)
      fields[name] = renderTemplate(`$Data/Context/DataItem/${name}$`, ctx);
    return fields;
  }

  /** Hands a delivery marked `sending` to its channel; answers the message sent, to be recorded with others. */
  async function transmit(r: Ready): Promise<Sent | undefined> {
    const { row, channel } = r;
    const { fail, pause } = endings(row, r.probe);
    let result: Awaited<ReturnType<Transport['send']>>;
    try {
      result = await r.transport.send(r.message, r.target, r.credential);
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
        await pause(channel, 'unreachable', result.reason, true);
      else {
        // Any answer but "no server took it" (a refused recipient, a greylisted one) shows the channel works.
        await health.answered(channel);
        await fail(result.reason, result.retryable);
      }
      return undefined;
    }
    return { ready: r, sent: { id: row.id, sentAt: now(), detail: result.detail ?? null } };
  }

  /** Records the messages sent in one statement, then what they show: the channel and its account work. */
  async function recordSent(sentNow: Sent[]) {
    if (!sentNow.length) return;
    try {
      await outboxRepo.finishSent(
        db,
        sentNow.map((s) => s.sent),
        d.serverId,
      );
    } catch (err) {
      await Promise.all(sentNow.map((s) => internalError(s.ready.row, err)));
      return;
    }
    for (const { ready, sent } of sentNow) metrics.ended('sent', ready.row.createdAt, sent.sentAt);
    const channels = new Map(sentNow.map((s) => [s.ready.channel.id, s.ready.channel]));
    const accountIds = new Set(sentNow.flatMap((s) => (s.ready.accountId ? [s.ready.accountId] : [])));
    try {
      for (const channel of channels.values()) await health.answered(channel);
      for (const accountId of accountIds) await accounts.found(accountId);
    } catch (err) {
      // The messages are sent and recorded: a failure to note what they show is logged, not the round's.
      d.log.error({ deliveries: sentNow.map((s) => s.sent.id), err }, 'notification delivery failed');
    }
  }

  /**
   * Claims up to `limit` due deliveries of the channels that are not paused, with what they look up. `first`:
   * the paused channels are read again, and one probe is claimed for each whose time has come; a later claim of
   * the same call (made while deliveries are sent) goes by the channels paused as this server knows them, and
   * claims no probe. `full`: there may be more due.
   */
  async function claim(limit: number, first: boolean) {
    const at = now();
    const { waiting, probeDue } = first
      ? await health.refresh()
      : { waiting: health.pausedChannels(), probeDue: [] };
    const probes = (
      await Promise.all(probeDue.map((c) => healthRepo.claimOldest(db, c, d.serverId, at)))
    ).flat();
    const rows = await outboxRepo.claimDue(db, d.serverId, at, limit, [...waiting, ...probeDue]);
    const queue = [
      ...probes.map((row) => ({ row, probe: true })),
      ...rows.map((row) => ({ row, probe: false })),
    ];
    return {
      queue,
      full: rows.length === limit,
      find: await batchLookups(
        db,
        queue.map((q) => q.row),
      ),
    };
  }

  /** Ends a delivery that failed inside the notifier. */
  async function guarded<T>(row: outboxRepo.DeliveryRow, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      await internalError(row, err);
      return undefined;
    }
  }

  /** Sends one delivery claimed; answers the message sent, to be recorded. */
  async function sendClaimed(
    row: outboxRepo.DeliveryRow,
    probe: boolean,
    find: Lookups,
  ): Promise<Sent | undefined> {
    // Paused while its batch was under way: it waits with the others, untried.
    if (!probe && health.isPaused(row.channelId)) {
      await outboxRepo.finishDelivery(
        db,
        row.id,
        d.serverId,
        { status: 'pending', claimedBy: null, claimedAt: null },
        ['claimed'],
      );
      return;
    }
    const ready = await prepare(row, find, probe);
    if (!ready) return;
    // From here a crash leaves it `sending`: recovered as `unknown`, never sent twice. One this server no longer
    // holds is not sent.
    if ((await sending.add(row.id)) === undefined) return;
    return transmit(ready);
  }

  /**
   * Sends up to `limit` due deliveries, `concurrency` at a time. They are claimed in batches of
   * CLAIM_PER_WORKER times the concurrency, the next batch while the one before is sent, and the messages sent
   * are recorded twice the concurrency at a time (a crash leaves those not yet recorded `unknown`: sent, never
   * sent again). Answers how many were claimed; a claim that fails is thrown once the sends under way are done.
   */
  async function deliver(limit: number, keepGoing: () => boolean = () => true): Promise<number> {
    const queue: { row: outboxRepo.DeliveryRow; probe: boolean; find: Lookups }[] = [];
    let claimed = 0;
    let more = true;
    let claiming: Promise<void> | undefined;
    let failed: { error: unknown } | undefined;
    const refill = () => {
      if (claiming || !more || claimed >= limit || !keepGoing()) return;
      claiming = (async () => {
        const batch = await claim(Math.min(CLAIM_PER_WORKER * concurrency, limit - claimed), claimed === 0);
        claimed += batch.queue.length;
        more = batch.full;
        for (const q of batch.queue) queue.push({ ...q, find: batch.find });
      })()
        .catch((error: unknown) => {
          failed ??= { error };
          more = false;
        })
        .finally(() => {
          claiming = undefined;
        });
    };
    let sentNow: Sent[] = [];
    const recording: Promise<void>[] = [];
    const record = () => {
      if (sentNow.length) recording.push(recordSent(sentNow));
      sentNow = [];
    };
    // Rows left when this server stops or loses the pool stay claimed: release() hands them back.
    const worker = async () => {
      while (keepGoing()) {
        if (queue.length <= (CLAIM_PER_WORKER / 2) * concurrency) refill();
        const next = queue.shift();
        if (next) {
          const sent = await guarded(next.row, () => sendClaimed(next.row, next.probe, next.find));
          if (sent) sentNow.push(sent);
          if (sentNow.length >= 2 * concurrency) record();
        } else if (claiming) await claiming;
        else return;
      }
    };
    refill();
    await claiming;
    await Promise.all(Array.from({ length: queue.length ? concurrency : 0 }, worker));
    await claiming;
    record();
    await Promise.all(recording);
    if (failed) throw failed.error;
    return claimed;
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
    close: versions.close,
  };
}
