// Follows alert changes in the audit log, a page at a time after the notifier's cursor: decides per subscription
// what each change calls for, on the alert as the change left it (notification-decision.ts), and queues it with
// the cursor moved past the page in one transaction (notification-queue.ts). Keeps the enabled subscriptions
// indexed on their criteria, read again only after one of them changed.

import {
  createSubscriptionIndex,
  type IndexContext,
  type SubscriptionIndex,
} from '../../../domain/notify/subscription-index.js';
import type { Db } from '../../../store/db.js';
import { alertsAtChanges } from '../alerts/alert-snapshots-repo.js';
import * as alertsRepo from '../alerts/alerts-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import * as feedRepo from './alert-change-feed-repo.js';
import { criteriaContextOf } from './criteria-context.js';
import * as matchStatesRepo from './match-states-repo.js';
import { notificationAlertOf } from './notification-alert.js';
import { changeOf, decide, type Effect, type Observed } from './notification-decision.js';
import { type AlertEffects, queueEffects } from './notification-queue.js';
import * as configRepo from './notify-config-repo.js';

const CURSOR = 'notifier';

export interface AlertChangeEvaluatorDeps {
  db: Db;
  resolution: Pick<ResolutionService, 'current'>;
  now: () => Date;
  log: { info(o: object, msg: string): void };
}

export type AlertChangeEvaluator = ReturnType<typeof createAlertChangeEvaluator>;

export function createAlertChangeEvaluator(d: AlertChangeEvaluatorDeps) {
  const { db, now } = d;

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
        na: await notificationAlertOf(db, alert),
        seq: c.seq,
        alertSeq: then ? c.seq : null,
        change: changeOf(c.kind, (c.details ?? {}) as Record<string, unknown>),
        now: now(),
      };
      ctx ??= await criteriaContextOf(d.resolution);
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
      const n = await queueEffects(tx, page, now);
      await feedRepo.writeCursor(tx, CURSOR, last);
      return n;
    });
    return { changes: changes.length, queued };
  }

  return {
    evaluate,
    /** Forgets the subscriptions read: the next page reads them again. */
    forget() {
      subscriptions = undefined;
    },
  };
}
