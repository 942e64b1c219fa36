// The notifier: runs on the member of the Notifications Resource Pool that holds its lease (R36). It follows
// alert changes in the audit log, each with the alert as it was then, decides per subscription what they call
// for (criteria R43, updates R44, delay R45), puts one delivery per (change, channel, address) in the outbox —
// shared by the subscriptions that reach that address — and sends them through the channel's transport, signed
// in with the account its profile resolves to on the pool — or, when that account is not distributed to the
// pool, sends nothing and raises Credentials Not Found. A channel that fails as a whole is paused
// (channel-health.ts) and its deliveries wait; a delivery dies only for a permanent reason or when older than
// the maximum age.

import type { Registry } from 'prom-client';
import { newId } from '../../../contract/ids.js';
import type { ChannelKind } from '../../../contract/notify-api.js';
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
import { renderMessage, renderTemplate, templateFieldNames } from '../../../domain/notify/templates.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { Transport } from '../../../notify/channels/transport.js';
import type { Db, Executor } from '../../../store/db.js';
import { alertAtChange, latestAlertSnapshot } from '../alerts/alert-snapshots-repo.js';
import * as alertsRepo from '../alerts/alerts-repo.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import type { PoolCredentials } from '../runtime/pool-credentials.js';
import { createChannelHealth } from './channel-health.js';
import * as healthRepo from './channel-health-repo.js';
import { mergeByAddress, servingSources } from './delivery-sources.js';
import { notificationAlertOf } from './notification-alert.js';
import { createNotifierAccounts } from './notifier-accounts.js';
import { createNotifierMetrics } from './notifier-metrics.js';
import * as repo from './notify-repo.js';

const CURSOR = 'notifier';

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
  /** Deliveries sent at once; default 8. */
  concurrency?: number;
  log: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

type AlertRow = alertsRepo.AlertRow;
/** A channel's settings as its kind's schema completed them. */
type ChannelSettings = Record<string, unknown>;

function changeOf(kind: string, details: Record<string, unknown>): AlertChange {
  if (kind === 'alert.raise') return details.repeated ? 'repeated' : 'raised';
  return details.resolutionState ? 'resolution-changed' : 'updated';
}

const stateOf = (row: repo.MatchStateRow | undefined): MatchState =>
  row
    ? { matchingSince: row.matchingSince, pending: (row.pending as NotifyReason | null) ?? null }
    : initialMatchState;

export function createNotifier(d: NotifierDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());
  const retryBaseMs = d.retryBaseMs ?? 30_000;
  const retryMaxMs = d.retryMaxMs ?? 30 * 60_000;
  const maxAgeMs = d.maxAgeMs ?? 24 * 3_600_000;
  const concurrency = d.concurrency ?? 8;
  const transports = new Map<string, { stamp: number; transport: Transport }>();
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
  /** Too old to send: given up. */
  const tooOld = (row: repo.DeliveryRow) => now().getTime() - row.createdAt.getTime() >= maxAgeMs;
  const retryAt = (attempts: number) =>
    new Date(now().getTime() + Math.min(retryBaseMs * 2 ** Math.max(0, attempts - 1), retryMaxMs));

  const notificationAlert = (a: AlertRow) => notificationAlertOf(db, a);

  /** One delivery per (channel, subscriber address of that kind, role) of the subscription, not yet merged. */
  async function plan(
    ex: Executor,
    alertId: string,
    { seq, alertSeq, reason }: Notify,
    sub: repo.SubscriptionRow,
  ) {
    const channels = (await repo.findChannels(ex, sub.channelIds)).filter((c) => c.enabled);
    const roles = [
      ['to', sub.recipients.to],
      ['cc', sub.recipients.cc],
      ['bcc', sub.recipients.bcc],
    ] as const;
    const subscribers = new Map(
      (
        await repo.findSubscribers(ex, [...sub.recipients.to, ...sub.recipients.cc, ...sub.recipients.bcc])
      ).map((s) => [s.id, s]),
    );
    const at = now();
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

  /** Class and group questions answered by the resolution engine as it is now. */
  async function criteriaContext(): Promise<CriteriaContext> {
    const engine = await d.resolution.current();
    return { isA: (c, base) => engine.isA(c, base), inGroup: (o, g) => engine.inGroup(o, g) };
  }

  /** A notification to queue: for the change `seq`, showing the alert as it was at `alertSeq` (null: as it is). */
  interface Notify {
    seq: number;
    alertSeq: number | null;
    reason: NotifyReason;
  }

  /** What one alert change means for one subscription: a notification to queue, and what to remember. */
  interface Effect {
    sub: repo.SubscriptionRow;
    notify?: Notify;
    /** The state to keep; null: forget it; undefined: unchanged. */
    state?: repo.MatchStateRow | null;
  }

  const sameState = (a: repo.MatchStateRow, b: repo.MatchStateRow) =>
    a.matchingSince?.getTime() === b.matchingSince?.getTime() &&
    a.pending === b.pending &&
    a.pendingSeq === b.pendingSeq &&
    a.dueAt?.getTime() === b.dueAt?.getTime();

  /** One change of an alert as every subscription looks at it; `now` is taken once for all of them. */
  interface Observed {
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
  function decide(
    sub: repo.SubscriptionRow,
    prev: repo.MatchStateRow | undefined,
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
    let next: repo.MatchStateRow | null | undefined;
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

  /**
   * Queues the notifications — one per channel and address, whichever subscriptions reach it — and keeps the
   * states the effects call for. A delivery already made for the change and address (by another server) stays.
   */
  async function apply(ex: Executor, alertId: string, effects: Effect[]) {
    const planned = [];
    for (const e of effects) {
      if (e.notify) planned.push(...(await plan(ex, alertId, e.notify, e.sub)));
      if (e.state === null) await repo.deleteMatchState(ex, e.sub.id, alertId);
      else if (e.state) await repo.saveMatchState(ex, e.state);
    }
    const rows = mergeByAddress(planned);
    await repo.enqueue(ex, rows);
    return rows.length;
  }

  /** The enabled subscriptions, read again only after the change feed shows one of them changed. */
  let subscriptions: repo.SubscriptionRow[] | undefined;

  /**
   * Reads the changes after the cursor and queues what they call for. A change that calls for something is
   * recorded with the cursor in one transaction, so a crash neither loses it nor acts on it twice.
   */
  async function evaluate(limit = 500): Promise<{ changes: number; queued: number }> {
    let cursor = await repo.readCursor(db, CURSOR);
    if (cursor === undefined) {
      // A new notifier starts from now: alerts raised before it existed are not notified.
      cursor = await repo.latestSeq(db);
      await repo.writeCursor(db, CURSOR, cursor);
      d.log.info({ seq: cursor }, 'notifier started: alert changes from now on are notified');
    }
    const changes = await repo.changesAfter(db, cursor, limit);
    if (!changes.length) return { changes: 0, queued: 0 };
    let ctx: CriteriaContext | undefined;
    let queued = 0;
    let written = cursor;
    for (const c of changes) {
      if (!c.kind.startsWith('alert.')) {
        subscriptions = undefined;
        continue;
      }
      // The alert as this change left it, so a backlog is decided and rendered as it happened.
      const then = c.target ? await alertAtChange(db, c.target, c.seq) : undefined;
      const alert = then ?? (c.target ? await alertsRepo.findAlert(db, c.target) : undefined);
      subscriptions ??= await repo.listSubscriptions(db, true);
      if (!alert || !subscriptions.length) continue;
      const states = new Map((await repo.findMatchStates(db, alert.id)).map((s) => [s.subscriptionId, s]));
      const observed: Observed = {
        alert,
        na: await notificationAlert(alert),
        seq: c.seq,
        alertSeq: then ? c.seq : null,
        change: changeOf(c.kind, (c.details ?? {}) as Record<string, unknown>),
        now: now(),
      };
      ctx ??= await criteriaContext();
      const effects: Effect[] = [];
      for (const sub of subscriptions) {
        const e = decide(sub, states.get(sub.id), observed, ctx);
        if (e) effects.push(e);
      }
      if (!effects.length) continue;
      queued += await db.transaction(async (tx) => {
        const n = await apply(tx, alert.id, effects);
        await repo.writeCursor(tx, CURSOR, c.seq);
        return n;
      });
      written = c.seq;
    }
    // The changes after the last one recorded called for nothing: evaluated again after a crash, they still do not.
    const last = changes[changes.length - 1]!.seq;
    if (last !== written) await repo.writeCursor(db, CURSOR, last);
    return { changes: changes.length, queued };
  }

  /** Notifications held back by a delay whose time has come (R45). */
  async function collectDue(limit = 500): Promise<number> {
    const due = await repo.dueMatchStates(db, now(), limit);
    let queued = 0;
    let ctx: CriteriaContext | undefined;
    for (const st of due) {
      const [sub, live, latest] = await Promise.all([
        repo.findSubscription(db, st.subscriptionId),
        alertsRepo.findAlert(db, st.alertId),
        latestAlertSnapshot(db, st.alertId),
      ]);
      // The wait folded every change into one notification: it shows the alert as the newest change left it.
      const alert = live && (latest?.alert ?? live);
      if (!sub?.enabled || !alert) {
        await repo.deleteMatchState(db, st.subscriptionId, st.alertId);
        continue;
      }
      ctx ??= await criteriaContext();
      const observed: Observed = {
        alert,
        na: await notificationAlert(alert),
        seq: st.pendingSeq ?? 0,
        alertSeq: latest?.changeSeq ?? null,
        change: 'unchanged',
        now: now(),
      };
      const e = decide(sub, st, observed, ctx);
      if (e) queued += await db.transaction((tx) => apply(tx, alert.id, [e]));
    }
    return queued;
  }

  function transportFor(
    channel: repo.ChannelRow,
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

  /** Lookups shared by the deliveries of one batch: they mostly name the same few rows. */
  function batchLookups() {
    const memo = <T>(load: (id: string) => Promise<T>) => {
      const seen = new Map<string, Promise<T>>();
      return (id: string) => {
        const known = seen.get(id);
        if (known) return known;
        const loading = load(id);
        seen.set(id, loading);
        return loading;
      };
    };
    return {
      subscription: memo((id) => repo.findSubscription(db, id)),
      channel: memo((id) => repo.findChannel(db, id)),
      subscriber: memo((id) => repo.findSubscriber(db, id)),
      alert: memo((id) => alertsRepo.findAlert(db, id)),
      /** The alert as a change left it, by `<alert id> <change seq>`. */
      alertAt: memo((key) => {
        const [id, seq] = key.split(' ');
        return alertAtChange(db, id!, Number(seq));
      }),
    };
  }
  type Lookups = ReturnType<typeof batchLookups>;

  /**
   * Sends one delivery. `probe`: the channel is paused and this, its oldest waiting delivery, tries whether it
   * answers again.
   */
  async function sendOne(row: repo.DeliveryRow, find: Lookups, probe: boolean) {
    /** This attempt's number; it counts once the delivery is marked `sending` or ends before that. */
    const attempts = row.attempts + 1;
    const fail = async (reason: string, retryable: boolean) => {
      const last = !retryable || tooOld(row);
      await repo.finishDelivery(db, row.id, d.serverId, {
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
      channel: repo.ChannelRow,
      cause: healthRepo.PauseCause,
      reason: string,
      attempted: boolean,
    ) => {
      await repo.finishDelivery(db, row.id, d.serverId, {
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
      await repo.finishDelivery(db, row.id, d.serverId, { status: 'skipped', lastError: reason });
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
    if ((await repo.markSending(db, row.id, d.serverId)) === undefined) return;
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
      await repo.finishDelivery(db, row.id, d.serverId, {
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
    await repo.finishDelivery(db, row.id, d.serverId, {
      status: 'sent',
      sentAt,
      detail: result.detail,
      lastError: null,
    });
    metrics.ended('sent', row.createdAt, sentAt);
    await health.answered(channel);
    if (cred.accountId) await accounts.found(cred.accountId);
  }

  /** The delivery failed inside the notifier: another try before it reached the channel, never after. */
  async function internalError(row: repo.DeliveryRow, err: unknown) {
    d.log.error({ delivery: row.id, err }, 'notification delivery failed');
    const attempts = row.attempts + 1;
    await repo
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
    await repo
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
    const rows = await repo.claimDue(db, d.serverId, at, limit, [...waiting, ...probeDue]);
    const queue = [
      ...probes.map((row) => ({ row, probe: true })),
      ...rows.map((row) => ({ row, probe: false })),
    ];
    const find = batchLookups();
    const worker = async () => {
      // Rows left when this server stops or loses the pool stay claimed: release() hands them back.
      for (let next = queue.shift(); next && keepGoing(); next = queue.shift()) {
        const { row, probe } = next;
        try {
          // Paused while this batch was under way: it waits with the others, untried.
          if (!probe && health.isPaused(row.channelId)) {
            await repo.finishDelivery(
              db,
              row.id,
              d.serverId,
              { status: 'pending', claimedBy: null, claimedAt: null },
              ['claimed'],
            );
            continue;
          }
          await sendOne(row, find, probe);
        } catch (err) {
          await internalError(row, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    return queue.length;
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
    evaluate,
    collectDue,
    deliver,
    /** Deliveries of servers that are gone: claimed ones back to pending, half-sent ones unknown. */
    recover: async () => repo.recoverAbandoned(db, await d.liveServers(), now()),
    /**
     * One round: recover, then — side by side, so a storm of alert changes does not hold back what is queued —
     * read the changes until caught up and collect delayed ones, and send until nothing is due. Stops early
     * when `keepGoing` says so (the server stops, or lost the Notifications Resource Pool).
     */
    async tick(keepGoing: () => boolean = () => true) {
      await this.recover();
      await expire();
      let deciding = true;
      const decide = (async () => {
        try {
          while (keepGoing() && (await evaluate()).changes > 0);
          await collectDue();
        } finally {
          deciding = false;
        }
      })();
      const send = (async () => {
        while (keepGoing()) {
          // Nothing due after deciding ended: done. Nothing due while it goes on: look again shortly.
          const decided = !deciding;
          if ((await deliver(2 * concurrency, keepGoing)) > 0) continue;
          if (decided) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await Promise.all([decide, send]);
    },
    /** The pool moved away, or the server stops: unsent claims go back, opened credentials are forgotten. */
    async release() {
      await repo.releaseClaimed(db, d.serverId);
      accounts.forget();
      health.forget();
      subscriptions = undefined;
      for (const t of transports.values()) await t.transport.close?.();
      transports.clear();
    },
  };
}
