// The notifier: runs on the member of the Notifications Resource Pool that holds its lease (R36). It follows
// alert changes in the audit log, each with the alert as it was then, decides per subscription what they call
// for (criteria R43, updates R44, delay R45), and puts one delivery per (change, channel, address) in the
// outbox — shared by the subscriptions that reach that address. notification-sender.ts sends them, signed in
// with the account the channel's profile resolves to on the pool.

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
import {
  createSubscriptionIndex,
  type IndexContext,
  type SubscriptionIndex,
} from '../../../domain/notify/subscription-index.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { Db, Executor } from '../../../store/db.js';
import { alertsAtChanges, latestAlertSnapshot } from '../alerts/alert-snapshots-repo.js';
import * as alertsRepo from '../alerts/alerts-repo.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import type { PoolCredentials } from '../runtime/pool-credentials.js';
import * as feedRepo from './alert-change-feed-repo.js';
import { createChannelHealth } from './channel-health.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import { mergeByAddress } from './delivery-sources.js';
import * as matchStatesRepo from './match-states-repo.js';
import { notificationAlertOf } from './notification-alert.js';
import { createNotificationSender } from './notification-sender.js';
import { createNotifierAccounts } from './notifier-accounts.js';
import { createNotifierMetrics } from './notifier-metrics.js';
import * as configRepo from './notify-config-repo.js';

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

function changeOf(kind: string, details: Record<string, unknown>): AlertChange {
  if (kind === 'alert.raise') return details.repeated ? 'repeated' : 'raised';
  return details.resolutionState ? 'resolution-changed' : 'updated';
}

const stateOf = (row: matchStatesRepo.MatchStateRow | undefined): MatchState =>
  row
    ? { matchingSince: row.matchingSince, pending: (row.pending as NotifyReason | null) ?? null }
    : initialMatchState;

export function createNotifier(d: NotifierDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());
  const concurrency = d.concurrency ?? 8;
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

  const notificationAlert = (a: AlertRow) => notificationAlertOf(db, a);

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

  /** One delivery per (channel, subscriber address of that kind, role) of the subscription, not yet merged. */
  function plan(
    alertId: string,
    { seq, alertSeq, reason }: Notify,
    sub: configRepo.SubscriptionRow,
    known: Known,
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
  async function criteriaContext(): Promise<IndexContext> {
    const engine = await d.resolution.current();
    return {
      isA: (c, base) => engine.isA(c, base),
      inGroup: (o, g) => engine.inGroup(o, g),
      classAndAncestors: (c) => engine.classAndAncestors(c),
      groupsOf: (o) => engine.groupsOf(o),
    };
  }

  /** A notification to queue: for the change `seq`, showing the alert as it was at `alertSeq` (null: as it is). */
  interface Notify {
    seq: number;
    alertSeq: number | null;
    reason: NotifyReason;
  }

  /** What one alert change means for one subscription: a notification to queue, and what to remember. */
  interface Effect {
    sub: configRepo.SubscriptionRow;
    notify?: Notify;
    /** The state to keep; null: forget it; undefined: unchanged. */
    state?: matchStatesRepo.MatchStateRow | null;
  }

  const sameState = (a: matchStatesRepo.MatchStateRow, b: matchStatesRepo.MatchStateRow) =>
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
    sub: configRepo.SubscriptionRow,
    prev: matchStatesRepo.MatchStateRow | undefined,
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
    let next: matchStatesRepo.MatchStateRow | null | undefined;
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

  /** What the changes of one alert call for, applied together with the others of a page. */
  interface AlertEffects {
    alertId: string;
    effects: Effect[];
  }

  /**
   * Queues the notifications — one per change, channel and address, whichever subscriptions reach it — and keeps
   * the states the effects call for, the last one of each subscription and alert: a few statements for a whole
   * page of changes. A delivery already made for the change and address (by another server) stays.
   */
  async function apply(ex: Executor, groups: readonly AlertEffects[]) {
    const notifying = groups.flatMap((g) => g.effects.filter((e) => e.notify).map((e) => ({ ...g, e })));
    const known = await recipientsAndChannels(
      ex,
      notifying.map(({ e }) => e.sub),
    );
    const planned = notifying.flatMap(({ alertId, e }) => plan(alertId, e.notify!, e.sub, known));
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

  /**
   * The enabled subscriptions, indexed on their criteria; read again only after the change feed shows one of them
   * changed (a `subscription.*` record).
   */
  let subscriptions: SubscriptionIndex<configRepo.SubscriptionRow> | undefined;

  /**
   * Reads a page of changes after the cursor and queues what they call for, recorded with the cursor in one
   * transaction, so a crash neither loses it nor acts on it twice.
   */
  async function evaluate(limit = 500): Promise<{ changes: number; queued: number }> {
    let cursor = await feedRepo.readCursor(db, CURSOR);
    if (cursor === undefined) {
      // A new notifier starts from now: alerts raised before it existed are not notified.
      cursor = await feedRepo.latestSeq(db);
      await feedRepo.writeCursor(db, CURSOR, cursor);
      d.log.info({ seq: cursor }, 'notifier started: alert changes from now on are notified');
    }
    const changes = await feedRepo.changesAfter(db, cursor, limit);
    if (!changes.length) return { changes: 0, queued: 0 };
    let ctx: IndexContext | undefined;
    const alertChanges = changes.filter((c) => c.kind.startsWith('alert.') && c.target);
    // The alerts as these changes left them, so a backlog is decided and rendered as it happened; and what the
    // subscriptions remember of them, kept current below as each change is applied.
    const [snapshots, statesByAlert] = await Promise.all([
      alertsAtChanges(
        db,
        alertChanges.map((c) => c.seq),
      ),
      matchStatesRepo.findMatchStates(db, [...new Set(alertChanges.map((c) => c.target!))]),
    ]);
    const page: AlertEffects[] = [];
    for (const c of changes) {
      if (!c.kind.startsWith('alert.')) {
        // Subscriptions change only through their own audited writes, made here or on another server.
        if (c.kind.startsWith('subscription.')) subscriptions = undefined;
        continue;
      }
      const recorded = snapshots.get(c.seq);
      const then = recorded?.id === c.target ? recorded : undefined;
      const alert = then ?? (c.target ? await alertsRepo.findAlert(db, c.target) : undefined);
      subscriptions ??= createSubscriptionIndex(await configRepo.listSubscriptions(db, true));
      if (!alert || !subscriptions.size) continue;
      const states = statesByAlert.get(alert.id) ?? new Map<string, matchStatesRepo.MatchStateRow>();
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
      // The subscriptions the alert may match now, and those that remember it matching before (it may stop).
      for (const sub of subscriptions.candidates(observed.na, ctx, states.keys())) {
        const e = decide(sub, states.get(sub.id), observed, ctx);
        if (e) effects.push(e);
      }
      if (!effects.length) continue;
      page.push({ alertId: alert.id, effects });
      // The next change of the same alert in this page sees what this one leaves.
      statesByAlert.set(alert.id, states);
      for (const e of effects) {
        if (e.state === null) states.delete(e.sub.id);
        else if (e.state) states.set(e.sub.id, e.state);
      }
    }
    // What the page calls for is recorded with the cursor after it in one transaction: a crash neither loses it
    // nor acts on it twice. A page that called for nothing only moves the cursor: evaluated again, it still does not.
    const last = changes[changes.length - 1]!.seq;
    if (!page.length) {
      await feedRepo.writeCursor(db, CURSOR, last);
      return { changes: changes.length, queued: 0 };
    }
    const queued = await db.transaction(async (tx) => {
      const n = await apply(tx, page);
      await feedRepo.writeCursor(tx, CURSOR, last);
      return n;
    });
    return { changes: changes.length, queued };
  }

  /** Notifications held back by a delay whose time has come (R45). */
  async function collectDue(limit = 500): Promise<number> {
    const due = await matchStatesRepo.dueMatchStates(db, now(), limit);
    let queued = 0;
    let ctx: CriteriaContext | undefined;
    for (const st of due) {
      const [sub, live, latest] = await Promise.all([
        configRepo.findSubscription(db, st.subscriptionId),
        alertsRepo.findAlert(db, st.alertId),
        latestAlertSnapshot(db, st.alertId),
      ]);
      // The wait folded every change into one notification: it shows the alert as the newest change left it.
      const alert = live && (latest?.alert ?? live);
      if (!sub?.enabled || !alert) {
        await matchStatesRepo.deleteMatchStates(db, [st.subscriptionId], st.alertId);
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
      if (e) queued += await db.transaction((tx) => apply(tx, [{ alertId: alert.id, effects: [e] }]));
    }
    return queued;
  }

  return {
    evaluate,
    collectDue,
    deliver,
    /** Deliveries of servers that are gone: claimed ones back to pending, half-sent ones unknown. */
    recover: async () => outboxRepo.recoverAbandoned(db, await d.liveServers(), now()),
    /**
     * One round: recover, then — side by side, so a storm of alert changes does not hold back what is queued —
     * read the changes until caught up and collect delayed ones, and send until nothing is due. After each batch
     * sent, changes committed meanwhile are read again, so a long send does not hold back what they call for.
     * Stops early when `keepGoing` says so (the server stops, or lost the Notifications Resource Pool).
     */
    async tick(keepGoing: () => boolean = () => true) {
      await this.recover();
      await expire();
      let deciding: Promise<void> | undefined;
      /** The first failure of deciding: thrown once sending is done, as the round's. */
      let failed: { error: unknown } | undefined;
      const decideAgain = () => {
        deciding ??= (async () => {
          while (keepGoing() && (await evaluate()).changes > 0);
          await collectDue();
        })()
          .catch((error: unknown) => {
            failed ??= { error };
          })
          .finally(() => {
            deciding = undefined;
          });
      };
      decideAgain();
      while (keepGoing()) {
        // Nothing due after deciding ended: done. Nothing due while it goes on: look again shortly.
        const decided = !deciding;
        if ((await deliver(4 * concurrency, keepGoing)) > 0) {
          decideAgain();
          continue;
        }
        if (decided) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await deciding;
      if (failed) throw failed.error;
    },
    /** The pool moved away, or the server stops: unsent claims go back, opened credentials are forgotten. */
    async release() {
      await outboxRepo.releaseClaimed(db, d.serverId);
      accounts.forget();
      health.forget();
      subscriptions = undefined;
      await sender.close();
    },
  };
}
